// Detector restore after a partition assignment, per 1,000 live rollouts: from a checkpoint (parse
// the engine snapshot, restore it, replay the events after its offset, then judge the rollouts the
// detector judges before it releases the partition) against the baseline, a full rebuild (replay
// every event into a fresh engine), measured in the same run on the same events. Two growth
// directions: a live rollout's own length (5 vs 60 minutes), and the partition's retained history
// (rollouts that finished within DETECTOR_RETENTION_MS, still in the snapshot, beside the live ones).
// In-process only: reading the events and the checkpoint from Elasticsearch is not included.
import type { RollwatchEvent } from '@rollwatch/core';
import { createEngine, type AnalysisEngine } from '@rollwatch/analysis';
import { splitRestoredForEvaluation } from '@rollwatch/detector';
import { median, round } from '../stats.js';
import { syntheticRollout } from './engine-memory.js';

const BLOCK_MS = 5 * 60_000;
/** Finished rollouts ended this long before the restore: past the engine's horizon, within the 24 h default retention. */
const FINISHED_AGO_MS = 6 * 3_600_000;
/** Synthetic index of the first finished rollout (ids `bench-<index>`, apart from the live ones). */
const FINISHED_INDEX = 1_000_000;

export interface RestoreCase {
  liveRollouts: number;
  /** History of each live rollout in the synthetic generator's 5-minute blocks (its own length). */
  historyBlocks: number;
  /** Rollouts of the same partition that finished hours ago and are still held (in the snapshot). */
  finishedRollouts: number;
  eventsPerRollout: number;
  /** Events per live rollout that arrived after the checkpoint (replayed on top of it): one checkpoint interval's worth, whatever the history. */
  tailEvents: number;
  snapshotMb: number;
  /** Medians over `repeats` runs, scaled to 1,000 live rollouts. */
  fullRebuildMsPer1000: number;
  /** Parse + engine.restore + replay of the tail. */
  fromCheckpointMsPer1000: number;
  /** The evaluations the detector makes before it releases the partition (rollouts whose verdict can still move). */
  firstEvaluationMsPer1000: number;
  /** fromCheckpoint + firstEvaluation: how long the partition's rollouts answer `restoring`. */
  restoreMsPer1000: number;
  /**
   * The live rollouts' next look, a minute later, as any round makes it (not part of the restore):
   * what a live replica pays for them every round, whatever restore. The first evaluation after a
   * restore costs about this much: a look reads every window of the rollout, so it grows with the
   * rollout's own length, restored or not.
   */
  nextLookMsPer1000: number;
  /**
   * Evaluations of the finished rollouts, off the restore's path: what the periodic rounds pay for
   * those not settled when the checkpoint was written (settled ones are judged only when read).
   */
  deferredEvaluationMsPer1000: number;
  /** fromCheckpoint / fullRebuild (lower is better). */
  ratioToFullRebuild: number;
  /** Every live rollout's decision and score after the checkpoint restore equal the full rebuild's. */
  sameVerdicts: boolean;
  repeats: number;
}

export interface RestoreResult {
  cases: RestoreCase[];
  growth: {
    /** restoreMs at 12 blocks (60 min) / at 1 block (5 min) of history per live rollout: grows with a live rollout's own length. */
    liveLength60vs5Min: number;
    /** restoreMs with `finishedPerLive` finished rollouts per live one / with none: what retained history costs. */
    finishedRollouts: number;
    finishedPerLive: number;
    /**
     * fromCheckpoint (parse + restore + tail) with the finished rollouts / without: the part they
     * can cost, apart from the live rollouts' first evaluation, whose run-to-run noise is larger.
     */
    finishedRolloutsCheckpointOnly: number;
    /** The same ratio if the finished rollouts were judged during the restore too (before the deferral). */
    finishedRolloutsIfJudged: number;
  };
}

const byTime = (a: RollwatchEvent, b: RollwatchEvent): number => (a.time < b.time ? -1 : a.time > b.time ? 1 : a.id < b.id ? -1 : 1);

function history(index: number, startMs: number, blocks: number): RollwatchEvent[] {
  return Array.from({ length: blocks }, (_, k) => syntheticRollout(index, startMs + k * BLOCK_MS).map((e) => (k === 0 ? e : { ...e, id: `${e.id}-${k}` })))
    .flat()
    .sort(byTime);
}

/** Evaluates like the detector's tracker: at the wall clock, capped at the rollout's last event plus its horizon. */
function judge(engine: AnalysisEngine, rollouts: string[], nowMs: number): void {
  for (const id of rollouts) {
    const last = engine.lastEventMs(id);
    engine.evaluate(id, last === null ? nowMs : Math.min(nowMs, last + engine.evaluationHorizonMs(id)));
  }
}

/** One case: `liveRollouts` rollouts with `historyBlocks` blocks each, ending now, plus `finishedRollouts` of one block that ended hours ago. */
export function measureRestoreCase(liveRollouts = 1000, historyBlocks = 1, finishedRollouts = 0, tailEvents = 13, repeats = 3, nowMs = Date.now()): RestoreCase {
  const all: RollwatchEvent[] = [];
  const head: RollwatchEvent[] = [];
  const tail: RollwatchEvent[] = [];
  let eventsPerRollout = 0;
  // Live rollouts end about a minute before `nowMs`: within the engine's horizon, their verdicts can still move.
  const liveStart = nowMs - historyBlocks * BLOCK_MS;
  for (let r = 0; r < liveRollouts; r++) {
    const events = history(r, liveStart, historyBlocks);
    eventsPerRollout = events.length;
    const cut = Math.max(0, events.length - tailEvents);
    events.forEach((event, i) => {
      (i < cut ? head : tail).push(event);
      all.push(event);
    });
  }
  for (let f = 0; f < finishedRollouts; f++) {
    for (const event of history(FINISHED_INDEX + f, nowMs - FINISHED_AGO_MS, 1)) {
      head.push(event);
      all.push(event);
    }
  }
  all.sort(byTime);
  const ids = Array.from({ length: liveRollouts }, (_, r) => `bench-${r}`);
  const restoredIds = [...ids, ...Array.from({ length: finishedRollouts }, (_, f) => `bench-${FINISHED_INDEX + f}`)];
  // The checkpoint a replica wrote earlier (not timed). That replica judged its rollouts as their
  // events came (what an evaluation leaves in the engine state is in the snapshot too), and wrote
  // the rollouts finished by then packed, as JSON text (as the detector's checkpointer does).
  const writer = createEngine();
  writer.ingest(head);
  judge(writer, restoredIds, nowMs);
  const snapshot = JSON.stringify(writer.snapshot(undefined, { packFinishedAt: nowMs }));

  const full: number[] = [];
  const checkpoint: number[] = [];
  const firstEvaluation: number[] = [];
  const deferredEvaluation: number[] = [];
  const nextLook: number[] = [];
  let sameVerdicts = true;
  for (let k = 0; k < repeats; k++) {
    let t0 = performance.now();
    const rebuilt = createEngine();
    rebuilt.ingest(all);
    full.push(performance.now() - t0);

    t0 = performance.now();
    const restored = createEngine();
    restored.restore(JSON.parse(snapshot), { deferFinishedAt: nowMs }); // as the detector does
    restored.ingest(tail);
    checkpoint.push(performance.now() - t0);

    const split = splitRestoredForEvaluation(restored, restoredIds, nowMs);
    t0 = performance.now();
    judge(restored, split.now, nowMs);
    firstEvaluation.push(performance.now() - t0);
    t0 = performance.now();
    judge(restored, split.deferred, nowMs);
    deferredEvaluation.push(performance.now() - t0);
    t0 = performance.now();
    judge(restored, split.now, nowMs + 60_000);
    nextLook.push(performance.now() - t0);
    if (split.now.length !== liveRollouts) throw new Error(`restore bench: ${split.now.length} rollouts judged at once, expected the ${liveRollouts} live ones`);

    if (k === 0) {
      for (const id of ids) {
        const a = rebuilt.evaluate(id, nowMs);
        const b = restored.evaluate(id, nowMs);
        if (a.decision !== b.decision || a.score !== b.score) sameVerdicts = false;
      }
    }
  }
  const scale = 1000 / liveRollouts;
  const fullMs = median(full) * scale;
  const checkpointMs = median(checkpoint) * scale;
  const evaluationMs = median(firstEvaluation) * scale;
  return {
    liveRollouts,
    historyBlocks,
    finishedRollouts,
    eventsPerRollout,
    tailEvents,
    snapshotMb: round(Buffer.byteLength(snapshot) / 1024 ** 2, 2),
    fullRebuildMsPer1000: round(fullMs, 1),
    fromCheckpointMsPer1000: round(checkpointMs, 1),
    firstEvaluationMsPer1000: round(evaluationMs, 1),
    restoreMsPer1000: round(checkpointMs + evaluationMs, 1),
    nextLookMsPer1000: round(median(nextLook) * scale, 1),
    deferredEvaluationMsPer1000: round(median(deferredEvaluation) * scale, 1),
    ratioToFullRebuild: round(checkpointMs / fullMs, 3),
    sameVerdicts,
    repeats,
  };
}

/** Restore against a live rollout's own length (5 and 60 minutes) and against the finished rollouts the partition still holds. */
export function measureRestore(liveRollouts: number, repeats: number, finishedPerLive = 4): RestoreResult {
  // Warm-up, discarded: the first case measured with a cold JIT read 1.5-2x slower than the same
  // work later, which made the later cases look cheaper than the first (growth below 1).
  measureRestoreCase(Math.min(liveRollouts, 50), 1, Math.min(liveRollouts, 50), 13, 1);
  const short = measureRestoreCase(liveRollouts, 1, 0, 13, repeats);
  const long = measureRestoreCase(liveRollouts, 12, 0, 13, repeats);
  const withFinished = measureRestoreCase(liveRollouts, 1, liveRollouts * finishedPerLive, 13, repeats);
  return {
    cases: [short, long, withFinished],
    growth: {
      liveLength60vs5Min: round(long.restoreMsPer1000 / short.restoreMsPer1000, 2),
      finishedRollouts: round(withFinished.restoreMsPer1000 / short.restoreMsPer1000, 2),
      finishedPerLive,
      finishedRolloutsCheckpointOnly: round(withFinished.fromCheckpointMsPer1000 / short.fromCheckpointMsPer1000, 2),
      finishedRolloutsIfJudged: round((withFinished.restoreMsPer1000 + withFinished.deferredEvaluationMsPer1000) / short.restoreMsPer1000, 2),
    },
  };
}
