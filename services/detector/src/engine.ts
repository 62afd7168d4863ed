import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ValidationError, errorMessage } from '@rollwatch/core';
import { createEngine, parsePolicy, policyTemplate, type Engine, type EngineOptions, type Policy } from '@rollwatch/analysis';
import type { DetectorConfig } from './config.js';

/**
 * Reads DETECTOR_POLICY_FILE (YAML or JSON). Two shapes:
 *   - one policy document: it becomes the default policy and is also known by its `name`;
 *   - `{ default: <name>, policies: { <name>: <policy document>, ... } }`: several named policies.
 * Every policy is merged over the built-in default and validated; errors name the file and field.
 */
export function loadPolicyFile(path: string, text = readFileSync(path, 'utf8')): { policy?: Policy; policies: Record<string, Policy> } {
  const field = 'DETECTOR_POLICY_FILE';
  let doc: unknown;
  try {
    doc = parseYaml(text) ?? {};
  } catch (error) {
    throw new ValidationError(field, `${path} is not valid YAML/JSON: ${errorMessage(error)}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new ValidationError(field, `${path} must contain a mapping`);
  const parse = (input: Record<string, unknown>, where: string): Policy => {
    const result = parsePolicy(input);
    if (!result.ok) throw new ValidationError(field, `${path}: ${result.errors.map((e) => `${where}${e.field}: ${e.message}`).join('; ')}`);
    return result.policy;
  };
  const root = doc as Record<string, unknown>;
  if (!('policies' in root)) {
    const policy = parse(root, '');
    return { policy, policies: { [policy.name]: policy } };
  }
  const named = root.policies;
  if (typeof named !== 'object' || named === null || Array.isArray(named)) throw new ValidationError(field, `${path}: "policies" must map names to policy documents`);
  const policies: Record<string, Policy> = {};
  for (const [name, input] of Object.entries(named as Record<string, unknown>)) {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new ValidationError(field, `${path}: policies.${name} must be a mapping`);
    policies[name] = parse({ name, ...(input as Record<string, unknown>) }, `policies.${name}.`);
  }
  const defaultName = root.default;
  if (defaultName !== undefined && (typeof defaultName !== 'string' || !policies[defaultName])) {
    throw new ValidationError(field, `${path}: default "${String(defaultName)}" is not one of its policies (${Object.keys(policies).join(', ')})`);
  }
  return typeof defaultName === 'string' ? { policy: policies[defaultName]!, policies } : { policies };
}

/** The analysis package's engine, configured from DETECTOR_POLICY_FILE and DETECTOR_DEFAULT_POLICY. */
export function createDefaultEngine(config: Pick<DetectorConfig, 'DETECTOR_POLICY_FILE' | 'DETECTOR_DEFAULT_POLICY'>): Engine {
  const options: EngineOptions = {};
  if (config.DETECTOR_POLICY_FILE) {
    const loaded = loadPolicyFile(config.DETECTOR_POLICY_FILE);
    options.policies = loaded.policies;
    if (loaded.policy) options.policy = loaded.policy;
  }
  if (config.DETECTOR_DEFAULT_POLICY) {
    const name = config.DETECTOR_DEFAULT_POLICY;
    const policy = options.policies?.[name] ?? policyTemplate(name);
    if (!policy) throw new ValidationError('DETECTOR_DEFAULT_POLICY', `unknown policy "${name}" (define it in DETECTOR_POLICY_FILE or use a built-in template)`);
    options.policy = policy;
  }
  return createEngine(options);
}
