/**
 * The contract between the pure analysis engine (this package) and its users: the detector service,
 * the `rollwatch analyze` replay CLI, the demo and the benchmarks. Pure: no I/O, no timers, no
 * Date.now() except through `now`.
 */
import type { Decision, HostAttributeRow, Reason, RollwatchEvent, SignalSeries, TemplateRow } from '@rollwatch/core';

/** A rollout registered through the API (POST /api/v1/rollouts) or discovered from events. */
export interface RolloutSpec {
  id: string;
  service?: string;
  /** Name of a policy known to the engine, or an inline policy (validated with the policy schema). */
  policy?: string | Record<string, unknown>;
  /** Instances the rollout should run, per group (used by availability / batch gates). */
  expectedInstances?: { canary?: number; baseline?: number; total?: number };
  /** Version being rolled out (batch post-gate: all instances must report it). */
  targetVersion?: string;
  labels?: Record<string, string>;
}

// The shapes the detector serves as-is (GET /series, /hosts) are the contract's (the dashboard reads them).
export type { HostAttributeRow, SeriesPoint, SignalSeries } from '@rollwatch/core';

export interface EvaluationResult {
  rollout: string;
  service?: string;
  decision: Decision;
  /** 0-100, or null while pending without enough data. */
  score: number | null;
  reasons: Reason[];
  /** Event time (RFC 3339) of the first no-go, or null. */
  noGoAt: string | null;
  cause?: 'release' | 'environment' | 'unknown';
  /** Event time (RFC 3339) the evaluation covers up to (the watermark). */
  evaluatedAt: string;
  /** Per-batch gate answers when the policy is a batch policy. */
  batches?: { batch: number; decision: Decision; reasons: Reason[] }[];
}

/** One mined log template of a rollout (the contract's type, so the API's rows extend it). */
export type { TemplateRow };

export interface RolloutSummary {
  rollout: string;
  service?: string;
  firstEventAt: string | null;
  lastEventAt: string | null;
  instances: { canary: number; baseline: number; other: number };
  events: number;
  registered: boolean;
}

export interface RestoreOptions {
  /**
   * Epoch ms: rollouts already finished then (last event + evaluationHorizonMs passed) are kept
   * packed and unpacked on first use, so a restore does not grow with the finished rollouts a
   * checkpoint still holds. Every answer is the same as after a full restore.
   */
  deferFinishedAt?: number;
}

export interface SnapshotOptions {
  /**
   * Epoch ms: rollouts finished then (last event + evaluationHorizonMs passed) are written packed,
   * as JSON text beside the few fields read without it, so a restore with `deferFinishedAt` never
   * parses them (a checkpoint's restore stays flat in the finished rollouts it holds).
   */
  packFinishedAt?: number;
}

export interface AnalysisEngine {
  /** Adds events in any order; duplicates (same id) are ignored. Returns the rollouts touched. */
  ingest(events: RollwatchEvent[]): string[];
  register(spec: RolloutSpec): void;
  /** Evaluates a rollout as of its event-time watermark (or `atMs`). Deterministic. */
  evaluate(rollout: string, atMs?: number): EvaluationResult;
  /** Evaluation for one batch of a batched upgrade (GET /gate?batch=N). */
  evaluateBatch(rollout: string, batch: number): EvaluationResult;
  rollouts(): RolloutSummary[];
  series(rollout: string): SignalSeries[];
  hostInventory(rollout: string): HostAttributeRow[];
  /** Serialisable state for checkpoints (of every rollout, or only the given ones); restore(snapshot) gives an engine with equal verdicts. */
  snapshot(only?: Iterable<string>, options?: SnapshotOptions): unknown;
  /** Adds the rollouts of a snapshot() to this engine (replacing their state if present); throws ValidationError on a foreign snapshot. */
  restore(snapshot: unknown, options?: RestoreOptions): void;
  /**
   * Packs the given rollouts finished at `atMs` (their verdict cannot move) as a restore with
   * `deferFinishedAt` holds them: JSON text until read or fed. Returns how many were packed.
   */
  pack(rollouts: Iterable<string>, atMs: number): number;
  /** Drops rollouts whose last event is older than the retention (bounded memory). */
  evict(olderThanMs: number): string[];
  /** Drops one rollout's state (the detector evicts by arrival time, not event time). */
  forget(rollout: string): boolean;
  /** Event time (epoch ms) of the rollout's newest event, or null. */
  lastEventMs(rollout: string): number | null;
  /**
   * How long past the newest event the wall clock still matters (no-data timeout, unavailability):
   * a live service evaluates at min(now, lastEvent + horizon), so history replayed later is judged
   * on its own timeline, exactly like `analyze`.
   */
  evaluationHorizonMs(rollout: string): number;
  /** Log templates mined from the rollout's log events, with per-group line counts (GET /templates). */
  templates(rollout: string): TemplateRow[];
}
