import { z } from 'zod';

export const DECISIONS = ['go', 'no-go', 'pending'] as const;
export type Decision = (typeof DECISIONS)[number];

/** One human-readable reason behind a verdict, with the numbers that support it. */
export const reasonSchema = z.object({
  signal: z.string(),
  severity: z.enum(['critical', 'fail', 'warn', 'info']),
  message: z.string(),
  canary: z.number().nullable().optional(),
  baseline: z.number().nullable().optional(),
  pValue: z.number().nullable().optional(),
  effectSize: z.number().nullable().optional(),
  threshold: z.number().nullable().optional(),
  /** `environment` when the failure follows a host attribute rather than the release. */
  cause: z.enum(['release', 'environment', 'unknown']).optional(),
  attribute: z.object({ name: z.string(), value: z.string() }).optional(),
  template: z.string().optional(),
  example: z.string().optional(),
  batch: z.number().int().optional(),
});
export type Reason = z.infer<typeof reasonSchema>;

/** Published on `rollwatch.verdicts` (key = rollout) and served by the go/no-go API. */
export const verdictSchema = z.object({
  /** The rollout key: the id, or `<id>@<revision>` when the events carried a revision. */
  rollout: z.string(),
  /** The revision judged (part of `rollout`), when known. */
  revision: z.string().optional(),
  service: z.string().optional(),
  decision: z.enum(DECISIONS),
  score: z.number().nullable(),
  reasons: z.array(reasonSchema),
  evaluatedAt: z.string(),
  /** Monotonic per rollout: (rollout, sequence) is the idempotency key of actions taken on it. */
  sequence: z.number().int().nonnegative(),
  /** Event time of the first no-go, or null. */
  noGoAt: z.string().nullable().optional(),
  cause: z.enum(['release', 'environment', 'unknown']).optional(),
  labels: z.record(z.string(), z.string()).optional(),
  overridden: z.object({ by: z.string(), reason: z.string(), at: z.string() }).optional(),
});
export type Verdict = z.infer<typeof verdictSchema>;

/**
 * A person forcing a rollout's decision (`POST /api/v1/rollouts/{id}/override` on the detector, the
 * one writer of verdicts). The only override schema: the HTTP body and the command the detector
 * routes to the rollout's owner over `rollwatch.events` share it.
 */
export const overrideRequestSchema = z.strictObject({
  decision: z.enum(['go', 'no-go']),
  reason: z.string().trim().min(1).max(4096),
  by: z.string().trim().min(1).max(256),
});
export type OverrideRequest = z.infer<typeof overrideRequestSchema>;

/** The override as routed to the owner: the request plus its rollout and when it was made (its identity). */
export const overrideCommandSchema = overrideRequestSchema.extend({
  rollout: z.string().min(1).max(256),
  at: z.iso.datetime(),
});
export type OverrideCommand = z.infer<typeof overrideCommandSchema>;

/** Header that marks a `rollwatch.events` message as a command for the detector, not an event. */
export const COMMAND_HEADER = 'rollwatch-command';

export const ACTION_KINDS = ['notify', 'resolve', 'pause', 'rollback', 'resume', 'override'] as const;
/** `in-progress`: the intent recorded before acting (exactly-once bookkeeping in the audit index). */
export const ACTION_STATUSES = ['in-progress', 'succeeded', 'failed', 'dead-lettered', 'dry-run', 'skipped', 'silenced'] as const;

/** An audit record of something rollwatch did, published on `rollwatch.actions`. */
export const actionRecordSchema = z.object({
  id: z.string(),
  rollout: z.string(),
  kind: z.enum(ACTION_KINDS),
  target: z.string(),
  status: z.enum(ACTION_STATUSES),
  decision: z.enum(DECISIONS).optional(),
  verdictSequence: z.number().int().optional(),
  reason: z.string().optional(),
  at: z.string(),
  attempts: z.number().int().nonnegative().default(0),
  responseCode: z.number().int().nullable().optional(),
  error: z.string().nullable().optional(),
  by: z.string().optional(),
});
export type ActionRecord = z.infer<typeof actionRecordSchema>;
