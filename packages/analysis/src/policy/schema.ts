// The policy schema. Every field has a default (DEFAULT_POLICY) so an empty document is valid; unknown
// keys are rejected so a typo (`thresholds.errorrate`) is reported instead of silently ignored.
import { z } from 'zod';
import { SPENDING_FUNCTIONS } from '../stats/alpha-spending.js';
import { parseDuration } from './duration.js';

export const SIGNAL_GROUPS = ['errors', 'stability', 'latency', 'resources'] as const;
export type SignalGroup = (typeof SIGNAL_GROUPS)[number];

const fraction = z.number('must be a number').min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1');
const positiveInt = z.number('must be a number').int('must be an integer').min(1, 'must be >= 1');
const nonNegativeInt = z.number('must be a number').int('must be an integer').min(0, 'must be >= 0');
const percent = z.number('must be a number').min(0, 'must be between 0 and 100').max(100, 'must be between 0 and 100');

/** A duration ("5m", "30s", "1h30m", or milliseconds), normalised to milliseconds. */
export const duration = z.union([z.string(), z.number()], 'must be a duration such as "30s", "5m" or milliseconds').transform((value, ctx) => {
  const ms = parseDuration(value);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `must be a duration such as "30s", "5m" or milliseconds, got ${JSON.stringify(value)}` });
    return z.NEVER;
  }
  return ms;
});
const positiveDuration = duration.refine((ms) => ms > 0, 'must be longer than 0');

export const signalSettingsSchema = z.strictObject({
  enabled: z.boolean().default(true),
  group: z.enum(SIGNAL_GROUPS),
  /** Which direction is bad: `increase` for errors and latency. */
  direction: z.enum(['increase', 'decrease', 'both']).default('increase'),
  /** A failure of this signal is a no-go whatever the score (Kayenta's "critical" metric). */
  mustPass: z.boolean().default(false),
  /** Overrides judge.allowedIncrease for this signal. */
  allowedIncrease: z.number().min(0, 'must be >= 0').optional(),
  /** Differences smaller than this (in the signal's unit) never fail, e.g. 0.2 restarts per window. */
  minDelta: z.number().min(0, 'must be >= 0').default(0),
  unit: z.string().default(''),
});
export type SignalSettings = z.output<typeof signalSettingsSchema>;

export const policySchema = z.strictObject({
  kind: z.enum(['canary', 'batch'], 'must be "canary" or "batch"'),
  name: z.string().min(1),
  description: z.string().default(''),
  analysis: z.strictObject({
    /** Event-time window size; also the interval between looks. */
    interval: positiveDuration,
    /** How late (event time) an event may arrive and still be counted. */
    lateness: duration,
    /** Unused since the judge's tests are always valid (kept so existing policies still parse). */
    plannedLooks: positiveInt,
    /** Windows kept per rollout (older ones are dropped: bounded memory). */
    retainWindows: positiveInt,
    /** Canary data (from its first event) after which a marginal verdict resolves to onMarginal. */
    decideBy: positiveDuration,
    /** What a marginal verdict becomes after decideBy ("pending": keep watching for ever). */
    onMarginal: z.enum(['no-go', 'go', 'pending'], 'must be "no-go", "go" or "pending"'),
  }),
  judge: z.strictObject({
    /** Family-wise false-alarm budget per rollout: split equally over the comparative signals, each
     * spent by an always-valid sequential test (any number of looks). */
    alpha: z.number().gt(0, 'must be between 0 and 1 (exclusive)').lt(1, 'must be between 0 and 1 (exclusive)'),
    /** Unused since the judge's tests are always valid (kept so existing policies still parse). */
    spending: z.enum(SPENDING_FUNCTIONS),
    /** Unused since the judge's tests are always valid (kept so existing policies still parse). */
    tailShare: z.number().min(0, 'must be between 0 and 0.5').max(0.5, 'must be between 0 and 0.5'),
    /** The canary may be this much worse (0.1 = 10%) before a significant difference fails. */
    allowedIncrease: z.number().min(0, 'must be >= 0'),
    /** Instance-window samples needed per group before a signal is judged. */
    minSamples: z.strictObject({ canary: positiveInt, baseline: positiveInt }),
    /** An instance-window counts as an http_error_rate sample only with this many requests. */
    minRequestsPerSample: positiveInt,
  }),
  scoring: z
    .strictObject({
      pass: percent,
      marginal: percent,
      /** Decision while the score is between marginal and pass. */
      marginalDecision: z.enum(['pending', 'no-go']),
      groups: z.record(z.enum(SIGNAL_GROUPS), z.number().min(0, 'must be >= 0')),
    })
    .refine((s) => s.marginal <= s.pass, { message: 'marginal must not be above pass', path: ['marginal'] }),
  signals: z.record(z.string().regex(/^[a-z][a-z0-9_]*$/, 'signal names are snake_case'), signalSettingsSchema),
  thresholds: z.strictObject({
    /** Canary HTTP error rate (errors / requests) that fails at once. */
    errorRate: fraction,
    /** Requests needed in the window before errorRate is applied (low traffic is pending instead). */
    errorRateMinRequests: nonNegativeInt,
    /** No healthy canary instance for longer than this fails. */
    unavailableFor: positiveDuration,
    /** Share of expected instances online and healthy before a batch starts. */
    instancesOnlineMin: fraction,
    cpu: z.strictObject({ max: fraction, sustainedFor: positiveDuration }),
    /**
     * Canary failed/all health probes above `ratio` over any span of up to `within` (closed windows),
     * with at least `minFailed` failed probes, while the baseline over the same span is at most half
     * the ratio: a classic rollback trigger, not a statistical test. minFailed 0 disables it.
     */
    failedProbes: z.strictObject({ ratio: fraction, minFailed: nonNegativeInt, within: positiveDuration }),
  }),
  critical: z.strictObject({
    /** Canary OOM kills (while the baseline has none) that decide no-go at once; 0 disables. */
    oomKills: nonNegativeInt,
    crashLoop: z.strictObject({ restarts: positiveInt, within: positiveDuration }),
    /** Non-zero container exits of canary instances (baseline none); 0 disables. */
    nonZeroExits: nonNegativeInt,
  }),
  noData: z.strictObject({
    /** How long the canary may stay silent while the baseline reports. */
    timeout: positiveDuration,
    onCanaryMissing: z.enum(['pending', 'no-go']),
  }),
  logTemplates: z.strictObject({
    enabled: z.boolean(),
    /** Only log lines at or above this level are mined. */
    minLevel: z.enum(['debug', 'info', 'warn', 'error', 'fatal']),
    /** A canary-only template at level >= error fails (and blocks) once seen this often. */
    minNewCount: positiveInt,
    /** A canary-only warn-level template counts when seen this often ... */
    minOccurrences: positiveInt,
    /** ... or on this many canary instances. */
    minInstances: positiveInt,
    /** Significance for "rate rose" (exact conditional binomial). */
    alpha: z.number().gt(0, 'must be between 0 and 1 (exclusive)').lt(1, 'must be between 0 and 1 (exclusive)'),
    minRateRatio: z.number().min(1, 'must be >= 1'),
    /** Templates tracked per rollout (bounded memory). */
    maxTemplates: positiveInt,
  }),
  attribution: z.strictObject({
    enabled: z.boolean(),
    alpha: z.number().gt(0, 'must be between 0 and 1 (exclusive)').lt(1, 'must be between 0 and 1 (exclusive)'),
    /** Host attributes considered; empty = every hostAttributes key plus `host`. */
    attributes: z.array(z.string().min(1)),
    /** Decision when failures follow the environment rather than the release. */
    onEnvironment: z.enum(['no-go', 'pending', 'go']),
  }),
  inventory: z.strictObject({
    minRuncVersion: z.string(),
    overlay2MinKernel: z.string(),
    deprecatedStorageDrivers: z.array(z.string()),
    /** Docker engine major.minor -> minimum containerd version. */
    containerdMinForEngine: z.record(z.string(), z.string()),
  }),
  batch: z.strictObject({
    /** Instances per batch (informational: membership comes from the `batch` label). */
    size: positiveInt,
    /** Time between batches. */
    interval: positiveDuration,
    /** A batch not finished (all instances on the target version) within this fails. */
    timeout: positiveDuration,
    rollbackOnFailure: z.boolean(),
    targetVersion: z.string().optional(),
  }),
  overrides: z.strictObject({
    services: z.record(z.string(), z.record(z.string(), z.unknown())),
    rollouts: z.record(z.string(), z.record(z.string(), z.unknown())),
  }),
});

export type Policy = z.output<typeof policySchema>;
/** What a policy document may contain: any subset, durations as text. */
export type PolicyInput = DeepPartial<z.input<typeof policySchema>>;
export type DeepPartial<T> = T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;
