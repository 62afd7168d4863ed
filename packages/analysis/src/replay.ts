// Replay: the verdicts the live detector would have reached on a recorded event stream, in bounded
// memory. Events are fed to the same engine one at a time in (event time, id) order; a rollout is
// evaluated whenever its watermark crosses a window boundary and right after every lifecycle event
// that can be critical, so noGoAt is the event time at which the live service would have said
// no-go. No-go is final (the live service would have acted on it), as the detector's verdicts are.
//
// The bound (docs/analysis.md, "Replay"): the input may be out of event-time order by up to
// `reorderMs` (default: the base policy's allowed lateness). A min-heap holds only the events
// within that window of the newest event time seen and releases the rest in (time, id) order, so a
// stream ordered within the window gives exactly the verdicts of a full sort. An event older than
// what was already released is fed as it is (the engine treats it as the live detector treats a
// late event) and counted in stats.beyondReorder: callers that can re-read their input (the CLI
// with files) then replay it through an on-disk sort instead. A rollout whose newest event is
// `idleMs` (default 1 h, never less than the engine's evaluation horizon) behind the stream's event
// time is finished: judged, and its state dropped. Memory is
// therefore O(open rollouts x their window aggregates + events inside the reorder window),
// independent of the input's length.
import type { Reason, RollwatchEvent } from '@rollwatch/core';
import type { EvaluationResult } from './engine-api.js';
import { createEngine, type Engine, type EngineOptions } from './engine.js';
import type { Policy } from './policy/schema.js';
import { EventHeap } from './replay-heap.js';

export interface AnalyzeOptions {
  policy?: Policy | Record<string, unknown> | string;
  policies?: EngineOptions['policies'];
  /** Final evaluation horizon (epoch ms); default: the newest event of each rollout (stream end). */
  now?: number;
  /** How far (ms) input may be out of event-time order per rollout; default: the rollout's lateness. */
  reorderMs?: number;
  /** A rollout whose newest event is this far (event time, ms) behind the stream is finished and dropped (default 1 h). */
  idleMs?: number;
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

export interface ReplayStats {
  events: number;
  /** Events that arrived after an event with a later time (within the bound). */
  reordered: number;
  /** Events further out of order than the reorder window: fed as late events, as the live detector would. */
  beyondReorder: number;
  /** Events for a rollout already finished (idle for `idleMs` of stream time): skipped. */
  afterFinish: number;
  /** Most events held in reorder buffers at once. */
  peakBuffered: number;
  /** Most rollouts open at once (judged but not finished). */
  peakOpen: number;
  rollouts: number;
}

export const DEFAULT_IDLE_MS = 60 * 60_000;
const CRITICAL_TYPES = new Set(['oom_killed', 'container_exit', 'container_restart', 'health_check_failed']);
/** Idle rollouts are looked for every this many events (a scan of the open rollouts). */
const IDLE_SCAN_EVERY = 4_096;

interface OpenRollout {
  lastWindow: number | null;
  evaluations: number;
  firstNoGo?: EvaluationResult;
  /** Event time of its newest event fed to the engine. */
  lastT: number;
}

/** A streaming replay: push events in arrival order, then finish() for the verdicts. */
export class Replay {
  readonly stats: ReplayStats = { events: 0, reordered: 0, beyondReorder: 0, afterFinish: 0, peakBuffered: 0, peakOpen: 0, rollouts: 0 };
  private readonly engine: Engine;
  private readonly heap = new EventHeap();
  private readonly open = new Map<string, OpenRollout>();
  private readonly finished = new Set<string>();
  private readonly results: AnalyzeResult[] = [];
  private readonly reorderMs: number;
  private readonly idleMs: number;
  private maxPushed = -Infinity;
  /** (time, id) of the last event released to the engine. */
  private releasedT = -Infinity;
  private releasedId = '';
  private seq = 0;

  constructor(private readonly options: AnalyzeOptions = {}) {
    // The replay's rollouts are few at a time and short-lived: memoised judge inputs are cheap here.
    const engineOptions: EngineOptions = { memoiseInputs: true };
    if (options.policy !== undefined) engineOptions.policy = options.policy;
    if (options.policies !== undefined) engineOptions.policies = options.policies;
    this.engine = createEngine(engineOptions);
    this.reorderMs = options.reorderMs ?? this.engine.defaultPolicy().analysis.lateness;
    // Never sooner than the engine's own horizon: until then a rollout without events can still change.
    const base = this.engine.defaultPolicy();
    const horizon = Math.max(base.noData.timeout, base.thresholds.unavailableFor) + base.analysis.lateness + base.analysis.interval;
    this.idleMs = Math.max(options.idleMs ?? DEFAULT_IDLE_MS, horizon);
  }

  /** Adds one event (arrival order). `timeMs` saves a Date.parse when the caller has it. */
  push(event: RollwatchEvent, timeMs: number = Date.parse(event.time)): void {
    this.stats.events++;
    if (timeMs < this.releasedT || (timeMs === this.releasedT && event.id < this.releasedId)) {
      // Beyond the bound: events it should have preceded are already judged.
      this.stats.beyondReorder++;
      this.feed(event, timeMs);
      return;
    }
    if (timeMs < this.maxPushed) this.stats.reordered++;
    else this.maxPushed = timeMs;
    if (this.reorderMs <= 0 && this.heap.size === 0) {
      this.release(event, timeMs);
      return;
    }
    this.heap.push(event, timeMs);
    if (this.heap.size > this.stats.peakBuffered) this.stats.peakBuffered = this.heap.size;
    // Strictly older than the window: nothing that can still arrive sorts before it.
    const until = this.maxPushed - this.reorderMs;
    while (this.heap.size > 0 && this.heap.peekTime() < until) {
      const t = this.heap.peekTime();
      this.release(this.heap.pop(), t);
    }
  }

  /** Judges every rollout still open; returns all verdicts, sorted by rollout. */
  finish(): AnalyzeResult[] {
    while (this.heap.size > 0) {
      const t = this.heap.peekTime();
      this.release(this.heap.pop(), t);
    }
    for (const id of [...this.open.keys()]) this.close(id);
    return [...this.results].sort((a, b) => (a.rollout < b.rollout ? -1 : a.rollout > b.rollout ? 1 : 0));
  }

  private release(event: RollwatchEvent, t: number): void {
    this.releasedT = t;
    this.releasedId = event.id;
    this.feed(event, t);
  }

  private feed(event: RollwatchEvent, t: number): void {
    const rollout = event.rollout;
    let r = this.open.get(rollout);
    if (!r) {
      if (this.finished.has(rollout)) {
        this.stats.afterFinish++;
        return;
      }
      r = { lastWindow: null, evaluations: 0, lastT: t };
      this.open.set(rollout, r);
      this.stats.rollouts++;
      if (this.open.size > this.stats.peakOpen) this.stats.peakOpen = this.open.size;
    }
    if (t > r.lastT) r.lastT = t;
    if (++this.seq % IDLE_SCAN_EVERY === 0) this.finishIdle(t);
    if (!this.engine.ingestOne(event, t)) return;
    // After a no-go the answer is fixed; only the final evaluation (for score and reasons) remains.
    if (r.firstNoGo) return;
    const policy = this.engine.policyOf(rollout);
    const window = Math.floor((t - policy.analysis.lateness) / policy.analysis.interval);
    const crossed = window !== r.lastWindow;
    r.lastWindow = window;
    const critical = CRITICAL_TYPES.has(event.type) && (event.type !== 'container_exit' || (event.exitCode ?? 0) !== 0);
    if (crossed || critical) this.evaluate(rollout, r);
  }

  private evaluate(rollout: string, r: OpenRollout, atMs?: number): EvaluationResult {
    const result = this.engine.evaluate(rollout, atMs);
    r.evaluations++;
    if (result.decision === 'no-go' && !r.firstNoGo) r.firstNoGo = result;
    return result;
  }

  /** Finishes the rollouts whose newest event is idleMs behind `now` (the stream's event time). */
  private finishIdle(now: number): void {
    for (const [id, r] of this.open) if (now - r.lastT >= this.idleMs) this.close(id);
  }

  private close(rollout: string): void {
    const r = this.open.get(rollout)!;
    this.open.delete(rollout);
    this.finished.add(rollout);
    const last = this.engine.lastEventMs(rollout);
    if (last !== null) this.results.push(this.finalResult(rollout, r, this.options.now ?? last));
    this.engine.forget(rollout);
  }

  private finalResult(rollout: string, r: OpenRollout, atMs: number): AnalyzeResult {
    const final = this.evaluate(rollout, r, atMs);
    const latched = r.firstNoGo;
    const result: AnalyzeResult = {
      rollout: final.rollout,
      decision: latched ? 'no-go' : final.decision,
      score: final.score,
      noGoAt: latched?.noGoAt ?? final.noGoAt,
      reasons: latched && final.decision !== 'no-go' ? [...latched.reasons, ...final.reasons] : final.reasons,
      evaluatedAt: final.evaluatedAt,
      evaluations: r.evaluations,
    };
    if (final.service !== undefined) result.service = final.service;
    const cause = final.cause ?? latched?.cause;
    if (cause !== undefined) result.cause = cause;
    if (final.batches) result.batches = final.batches;
    return result;
  }
}

function byTimeThenId(events: readonly RollwatchEvent[]): { event: RollwatchEvent; t: number }[] {
  return events
    .map((event) => ({ event, t: Date.parse(event.time) }))
    .sort((a, b) => a.t - b.t || (a.event.id < b.event.id ? -1 : a.event.id > b.event.id ? 1 : 0));
}

/**
 * Replays events. An array is sorted first (it is in memory anyway), so any order gives the same
 * verdicts; a stream is replayed in bounded memory, out of order by at most the reorder window.
 */
export async function analyzeEvents(events: RollwatchEvent[] | AsyncIterable<RollwatchEvent>, options: AnalyzeOptions = {}): Promise<AnalyzeResult[]> {
  if (Array.isArray(events)) return analyzeEventsSync(events, options);
  const replay = new Replay(options);
  for await (const e of events) replay.push(e);
  return replay.finish();
}

/** Synchronous variant for callers that already hold the events (benchmarks, tests): any order. */
export function analyzeEventsSync(events: readonly RollwatchEvent[], options: AnalyzeOptions = {}): AnalyzeResult[] {
  const replay = new Replay({ ...options, reorderMs: 0, idleMs: Infinity });
  for (const { event, t } of byTimeThenId(events)) replay.push(event, t);
  return replay.finish();
}
