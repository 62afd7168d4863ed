// Parsing, merging and resolving policies. Validation errors name the field, e.g.
// `thresholds.errorRate: must be between 0 and 1`.
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ValidationError } from '@rollwatch/core';
import { DEFAULT_POLICY, POLICY_TEMPLATES } from './defaults.js';
import { policySchema, type Policy } from './schema.js';

export interface PolicyFieldError {
  field: string;
  message: string;
}

export type PolicyParseResult = { ok: true; policy: Policy } | { ok: false; errors: PolicyFieldError[] };

/** A policy that failed validation; `errors` lists every bad field, `message` the first ones. */
export class PolicyError extends ValidationError {
  readonly errors: PolicyFieldError[];
  constructor(errors: PolicyFieldError[]) {
    const first = errors[0] ?? { field: '(policy)', message: 'is invalid' };
    super(first.field, errors.map((e) => `${e.field}: ${e.message}`).join('; ').replace(`${first.field}: `, ''));
    this.errors = errors;
  }
}

/**
 * Parses a policy document (YAML or JSON text, or an already-parsed object), merged over `base`
 * (DEFAULT_POLICY by default). Overrides under `overrides.services.*` / `overrides.rollouts.*` are
 * validated too, each merged over the document.
 */
export function parsePolicy(input: string | Record<string, unknown>, base: Policy = DEFAULT_POLICY): PolicyParseResult {
  let doc: unknown;
  if (typeof input === 'string') {
    try {
      doc = input.trim() === '' ? {} : parseYaml(input); // YAML is a superset of JSON.
    } catch (error) {
      return { ok: false, errors: [{ field: '(policy)', message: `is not valid YAML/JSON: ${(error as Error).message}` }] };
    }
    if (doc === null || doc === undefined) doc = {};
  } else {
    doc = input;
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    return { ok: false, errors: [{ field: '(policy)', message: 'must be a mapping (object)' }] };
  }
  const merged = deepMerge(toInput(base), doc as Record<string, unknown>);
  const result = policySchema.safeParse(merged);
  if (!result.success) return { ok: false, errors: result.error.issues.map((i) => issueToError(i)) };
  const policy = result.data;
  const errors: PolicyFieldError[] = [];
  for (const scope of ['services', 'rollouts'] as const) {
    for (const [key, partial] of Object.entries(policy.overrides[scope])) {
      const check = policySchema.safeParse(deepMerge(toInput(policy), partial));
      if (!check.success) for (const i of check.error.issues) errors.push(issueToError(i, `overrides.${scope}.${key}`));
    }
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, policy };
}

/** Like parsePolicy but throws PolicyError. */
export function loadPolicy(input: string | Record<string, unknown>, base: Policy = DEFAULT_POLICY): Policy {
  const result = parsePolicy(input, base);
  if (!result.ok) throw new PolicyError(result.errors);
  return result.policy;
}

/** A named built-in template (see POLICY_TEMPLATES), or undefined. */
export function policyTemplate(name: string): Policy | undefined {
  const template = POLICY_TEMPLATES[name];
  return template ? loadPolicy(template as Record<string, unknown>) : undefined;
}

/** Applies `overrides.services[service]` then `overrides.rollouts[rollout]`. */
export function resolvePolicy(policy: Policy, scope: { service?: string; rollout?: string }): Policy {
  let out = policy;
  // Own keys only: a service or rollout named "constructor" must not find Object.prototype members.
  const service = scope.service !== undefined && Object.hasOwn(policy.overrides.services, scope.service) ? policy.overrides.services[scope.service] : undefined;
  if (service) out = loadPolicy(service, out);
  const rollout = scope.rollout !== undefined && Object.hasOwn(policy.overrides.rollouts, scope.rollout) ? policy.overrides.rollouts[scope.rollout] : undefined;
  if (rollout) out = loadPolicy(rollout, out);
  return out;
}

/** Recursive merge of plain objects; arrays and scalars in `over` replace those in `base`. */
export function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const prev = out[key];
    out[key] = isPlainObject(prev) && isPlainObject(value) ? deepMerge(prev, value) : value;
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A parsed policy is valid input again (durations are milliseconds). */
function toInput(policy: Policy): Record<string, unknown> {
  return structuredClone(policy) as unknown as Record<string, unknown>;
}

function issueToError(issue: z.core.$ZodIssue, prefix?: string): PolicyFieldError {
  const path = issue.path.map(String).join('.');
  const field = [prefix, path].filter(Boolean).join('.') || '(policy)';
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => `"${k}"`).join(', ');
    return { field: issue.keys.length === 1 ? [field === '(policy)' ? '' : field, issue.keys[0]].filter(Boolean).join('.') : field, message: `unknown field(s) ${keys}` };
  }
  if (issue.code === 'invalid_type' && issue.input === undefined) return { field, message: 'is required' };
  return { field, message: issue.message };
}
