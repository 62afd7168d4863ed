// Replay: the verdicts the live detector would have reached on a recorded event stream. Events are
// sorted by event time (then id) and fed to the same engine one at a time; a rollout is evaluated
// whenever its watermark crosses a window boundary and right after every lifecycle event that can
// be critical, so noGoAt is the event time at which the live service would have said no-go.
// No-go is final (the live service would have acted on it), as the detector's verdicts are.
import type { Reason, RollwatchEvent } from '@rollwatch/core';
import type { EvaluationResult } from './engine-api.js';
import { createEngine, type EngineOptions } from './engine.js';
import type { Policy } from './policy/schema.js';

export interface AnalyzeOptions {
  policy?: Policy | Record<string, unknown> | string;
  policies?: EngineOptions['policies'];
  /** Final evaluation horizon (epoch ms); default: the newest event of each rollout (stream end). */
  now?: number;
}

export interface AnalyzeResult {
  rollout: string;
  service?: string;
  decision: EvaluationResult['decision'];
  score: number | null;
  noGoAt: string | null;
  cause?: EvaluationResult['cause'];
  reasons: Reason[];
  evaluatedAt: string;
  /** How many times the rollout was evaluated during the replay. */
  evaluations: number;
  batches?: EvaluationResult['batches'];
}

const CRITICAL_TYPES = new Set(['oom_killed', 'container_exit', 'container_restart', 'health_check_failed']);

export async function analyzeEvents(events: RollwatchEvent[] | AsyncIterable<RollwatchEvent>, options: AnalyzeOptions = {}): Promise<AnalyzeResult[]> {
  const all: RollwatchEvent[] = [];
  if (Array.isArray(events)) for (const e of events) all.push(e);
  else for await (const e of events) all.push(e);
  return analyzeSorted(all, options);
}

/** Synchronous variant for callers that already hold the events (benchmarks, tests). */
export function analyzeEventsSync(events: RollwatchEvent[], options: AnalyzeOptions = {}): AnalyzeResult[] {
  return analyzeSorted([...events], options);
}

function analyzeSorted(all: RollwatchEvent[], options: AnalyzeOptions): AnalyzeResult[] {
  const times = new Map<RollwatchEvent, number>();
  for (const e of all) times.set(e, Date.parse(e.time));
  all.sort((a, b) => times.get(a)! - times.get(b)! || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const engineOptions: EngineOptions = {};
  if (options.policy !== undefined) engineOptions.policy = options.policy;
  if (options.policies !== undefined) engineOptions.policies = options.policies;
  const engine = createEngine(engineOptions);

  const lastWindow = new Map<string, number>();
  const firstNoGo = new Map<string, EvaluationResult>();
  const evaluations = new Map<string, number>();
  const evaluate = (rollout: string, atMs?: number): EvaluationResult => {
    const r = engine.evaluate(rollout, atMs);
    evaluations.set(rollout, (evaluations.get(rollout) ?? 0) + 1);
    if (r.decision === 'no-go' && !firstNoGo.has(rollout)) firstNoGo.set(rollout, r);
    return r;
  };

  for (const event of all) {
    if (engine.ingest([event]).length === 0) continue;
    const policy = engine.policyOf(event.rollout);
    const t = times.get(event)!;
    const window = Math.floor((t - policy.analysis.lateness) / policy.analysis.interval);
    const crossed = window !== lastWindow.get(event.rollout);
    lastWindow.set(event.rollout, window);
    const critical = CRITICAL_TYPES.has(event.type) && (event.type !== 'container_exit' || (event.exitCode ?? 0) !== 0);
    // After a no-go the answer is fixed; only the final evaluation (for score and reasons) remains.
    if ((crossed || critical) && !firstNoGo.has(event.rollout)) evaluate(event.rollout);
  }

  const out: AnalyzeResult[] = [];
  for (const summary of engine.rollouts()) {
    const atMs = options.now ?? (summary.lastEventAt === null ? undefined : Date.parse(summary.lastEventAt));
    const final = evaluate(summary.rollout, atMs);
    const latched = firstNoGo.get(summary.rollout);
    const result: AnalyzeResult = {
      rollout: final.rollout,
      decision: latched ? 'no-go' : final.decision,
      score: final.score,
      noGoAt: latched?.noGoAt ?? final.noGoAt,
      reasons: latched && final.decision !== 'no-go' ? [...latched.reasons, ...final.reasons] : final.reasons,
      evaluatedAt: final.evaluatedAt,
      evaluations: evaluations.get(summary.rollout) ?? 0,
    };
    if (final.service !== undefined) result.service = final.service;
    const cause = final.cause ?? latched?.cause;
    if (cause !== undefined) result.cause = cause;
    if (final.batches) result.batches = final.batches;
    out.push(result);
  }
  return out;
}
