import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { parse as parseYaml } from 'yaml';
import { DECISIONS, ValidationError, type Decision, type Verdict } from '@rollwatch/core';
import { ACTUATOR_KINDS, NO_GO_ACTIONS, type ActuatorKind, type NoGoAction } from '../config.js';
import { NOTIFIER_NAMES, type NotifierName } from '../notifiers/interface.js';
import { compilePattern, patternError, type NamePattern } from './pattern.js';

const pattern = z.string().min(1).superRefine((value, ctx) => {
  const problem = patternError(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const ACTUATOR_NAMES = ACTUATOR_KINDS.filter((k): k is Exclude<ActuatorKind, 'none'> => k !== 'none');

/** One route as written in the routes file. */
export const routeInputSchema = z.strictObject({
  name: z.string().min(1).max(128),
  match: z
    .strictObject({
      rollout: pattern.optional().describe('Glob (`payments-*`) or `/regex/` on the rollout id.'),
      service: pattern.optional().describe('Glob or `/regex/` on the verdict service.'),
      labels: z.record(z.string().min(1), pattern).optional().describe('Every label must be present and match.'),
      decision: z.array(z.enum(DECISIONS)).min(1).optional().describe('Decisions that open an alert (default ["no-go"]).'),
    })
    .default({}),
  notifiers: z.array(z.enum(NOTIFIER_NAMES)).optional().describe('Default: every configured notifier.'),
  actuators: z.array(z.enum(ACTUATOR_NAMES)).optional().describe('Default: the configured ALERTS_ACTUATOR.'),
  onNoGo: z.enum(NO_GO_ACTIONS).optional().describe('pause | rollback | none (default ALERTS_ON_NO_GO).'),
  resumeOnGo: z.boolean().default(false).describe('Resume a rollout this route paused when it recovers to go.'),
  resolveOnRollback: z.boolean().default(true).describe('Send a resolve notification once a rollback succeeded.'),
  dryRun: z.boolean().default(false).describe('Record what would be done as `dry-run` instead of doing it.'),
  cooldownSeconds: z.number().int().nonnegative().optional().describe('Overrides ALERTS_COOLDOWN_SECONDS.'),
  target: z
    .strictObject({ namespace: z.string().min(1).optional(), name: z.string().min(1).optional() })
    .optional()
    .describe('Object to pause/roll back (default: verdict labels, then service, then rollout id).'),
  continue: z.boolean().default(false).describe('Keep matching later routes after this one.'),
});
export type RouteInput = z.output<typeof routeInputSchema>;

export const routesFileSchema = z.strictObject({ routes: z.array(routeInputSchema).min(1) }).superRefine((file, ctx) => {
  const seen = new Set<string>();
  file.routes.forEach((route, i) => {
    if (seen.has(route.name)) ctx.addIssue({ code: 'custom', path: ['routes', i, 'name'], message: `duplicate route name "${route.name}"` });
    seen.add(route.name);
  });
});

/** A route ready to match: patterns compiled, defaults resolved against what is configured. */
export interface Route {
  name: string;
  decisions: Decision[];
  notifiers: NotifierName[];
  actuators: Exclude<ActuatorKind, 'none'>[];
  onNoGo: NoGoAction;
  resumeOnGo: boolean;
  resolveOnRollback: boolean;
  dryRun: boolean;
  cooldownSeconds: number | undefined;
  target: { namespace?: string; name?: string } | undefined;
  continue: boolean;
  matches(verdict: Pick<Verdict, 'rollout' | 'service' | 'labels'>): boolean;
}

export interface RouteDefaults {
  configuredNotifiers: NotifierName[];
  actuator: ActuatorKind;
  onNoGo: NoGoAction;
}

function fieldOf(issue: z.core.$ZodIssue): string {
  return issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') || '(routes)';
}

/** Parses YAML or JSON text into validated routes; errors name the field, e.g. `routes[0].match.rollout`. */
export function parseRoutes(text: string, defaults: RouteDefaults, source = 'routes'): Route[] {
  let raw: unknown;
  try {
    raw = parseYaml(text); // YAML is a superset of JSON
  } catch (error) {
    throw new ValidationError(source, `is not valid YAML/JSON: ${(error as Error).message}`);
  }
  if (Array.isArray(raw)) raw = { routes: raw };
  const parsed = routesFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ValidationError(fieldOf(issue), issue.message);
  }
  return parsed.data.routes.map((input, i) => compileRoute(input, defaults, i));
}

export function loadRoutes(options: { file?: string; json?: string }, defaults: RouteDefaults): Route[] {
  if (options.file) {
    let text: string;
    try {
      text = readFileSync(options.file, 'utf8');
    } catch (error) {
      throw new ValidationError('ALERTS_ROUTES_FILE', `cannot read ${options.file}: ${(error as Error).message}`);
    }
    return parseRoutes(text, defaults, 'ALERTS_ROUTES_FILE');
  }
  if (options.json) return parseRoutes(options.json, defaults, 'ALERTS_ROUTES');
  return [defaultRoute(defaults)];
}

/** Nothing configured: one route for every rollout using everything that is configured. */
export function defaultRoute(defaults: RouteDefaults): Route {
  return compileRoute(routeInputSchema.parse({ name: 'default' }), defaults, 0);
}

function compileRoute(input: RouteInput, defaults: RouteDefaults, index: number): Route {
  const notifiers = input.notifiers ?? defaults.configuredNotifiers;
  input.notifiers?.forEach((n, j) => {
    if (!defaults.configuredNotifiers.includes(n)) {
      throw new ValidationError(`routes[${index}].notifiers[${j}]`, `notifier "${n}" is not configured (set its URL)`);
    }
  });
  const actuators = input.actuators ?? (defaults.actuator === 'none' ? [] : [defaults.actuator]);
  input.actuators?.forEach((a, j) => {
    if (a !== defaults.actuator) {
      throw new ValidationError(`routes[${index}].actuators[${j}]`, `actuator "${a}" is not configured (ALERTS_ACTUATOR=${defaults.actuator})`);
    }
  });
  const rollout = input.match.rollout ? compilePattern(input.match.rollout) : undefined;
  const service = input.match.service ? compilePattern(input.match.service) : undefined;
  const labels: [string, NamePattern][] = Object.entries(input.match.labels ?? {}).map(([k, v]) => [k, compilePattern(v)]);
  return {
    name: input.name,
    decisions: input.match.decision ?? ['no-go'],
    notifiers,
    actuators,
    onNoGo: input.onNoGo ?? defaults.onNoGo,
    resumeOnGo: input.resumeOnGo,
    resolveOnRollback: input.resolveOnRollback,
    dryRun: input.dryRun,
    cooldownSeconds: input.cooldownSeconds,
    target: input.target,
    continue: input.continue,
    matches(verdict) {
      if (rollout && !rollout(verdict.rollout)) return false;
      if (service && (verdict.service === undefined || !service(verdict.service))) return false;
      for (const [key, want] of labels) {
        const value = verdict.labels?.[key];
        if (value === undefined || !want(value)) return false;
      }
      return true;
    },
  };
}

/**
 * Routes that open an alert for `decision` on this verdict: first match wins unless the matching
 * route says `continue: true` (Alertmanager's semantics, so SREs need not learn new ones).
 */
export function selectRoutes(routes: readonly Route[], verdict: Pick<Verdict, 'rollout' | 'service' | 'labels'>, decision: Decision): Route[] {
  const selected: Route[] = [];
  for (const route of routes) {
    if (!route.decisions.includes(decision) || !route.matches(verdict)) continue;
    selected.push(route);
    if (!route.continue) break;
  }
  return selected;
}
