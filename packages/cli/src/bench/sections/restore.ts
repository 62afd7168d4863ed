// Detector restore after a partition assignment, per 1,000 rollouts: from a checkpoint (parse the
// engine snapshot, restore it, replay the events after its offset) against the baseline, a full
// rebuild (replay every event into a fresh engine), measured in the same run on the same events.
// In-process only: reading the events and the checkpoint from Elasticsearch is not included.
import type { RollwatchEvent } from '@rollwatch/core';
import { createEngine } from '@rollwatch/analysis';
import { median, round } from '../stats.js';
import { syntheticRollout } from './engine-memory.js';

export interface RestoreResult {
  rollouts: number;
  /** History length in the synthetic generator's 5-minute blocks (restore cost vs history). */
  historyBlocks: number;
  eventsPerRollout: number;
  /** Events per rollout that arrived after the checkpoint (replayed on top of it): one checkpoint interval's worth, whatever the history. */
  tailEvents: number;
  snapshotMb: number;
  /** Median over `repeats` runs, scaled to 1,000 rollouts. */
  fullRebuildMsPer1000: number;
  fromCheckpointMsPer1000: number;
  /** fromCheckpoint / fullRebuild (lower is better). */
  ratioToFullRebuild: number;
  /** Every rollout's decision and score after the checkpoint restore equal the full rebuild's. */
  sameVerdicts: boolean;
  repeats: number;
}

const byTime = (a: RollwatchEvent, b: RollwatchEvent): number => (a.time < b.time ? -1 : a.time > b.time ? 1 : a.id < b.id ? -1 : 1);

/** One history length: `historyBlocks` consecutive 5-minute blocks of synthetic events per rollout. */
export function measureRestore(rollouts = 1000, historyBlocks = 1, tailEvents = 13, repeats = 3, startMs = Date.now() - 6 * 3_600_000): RestoreResult {
  const all: RollwatchEvent[] = [];
  const head: RollwatchEvent[] = [];
  const tail: RollwatchEvent[] = [];
  let eventsPerRollout = 0;
  for (let r = 0; r < rollouts; r++) {
    const events = Array.from({ length: historyBlocks }, (_, k) => syntheticRollout(r, startMs + k * 5 * 60_000).map((e) => (k === 0 ? e : { ...e, id: `${e.id}-${k}` }))).flat().sort(byTime);
    eventsPerRollout = events.length;
    const cut = Math.max(0, events.length - tailEvents);
    events.forEach((event, i) => {
      (i < cut ? head : tail).push(event);
      all.push(event);
    });
  }
  all.sort(byTime);
  // The checkpoint a replica wrote earlier (not timed).
  const writer = createEngine();
  writer.ingest(head);
  const snapshot = JSON.stringify(writer.snapshot());
  const ids = Array.from({ length: rollouts }, (_, r) => `bench-${r}`);

  const full: number[] = [];
  const checkpoint: number[] = [];
  let sameVerdicts = true;
  for (let k = 0; k < repeats; k++) {
    let t0 = performance.now();
    const rebuilt = createEngine();
    rebuilt.ingest(all);
    full.push(performance.now() - t0);

    t0 = performance.now();
    const restored = createEngine();
    restored.restore(JSON.parse(snapshot));
    restored.ingest(tail);
    checkpoint.push(performance.now() - t0);

    if (k === 0) {
      for (const id of ids) {
        const a = rebuilt.evaluate(id);
        const b = restored.evaluate(id);
        if (a.decision !== b.decision || a.score !== b.score) sameVerdicts = false;
      }
    }
  }
  const scale = 1000 / rollouts;
  const fullMs = median(full) * scale;
  const checkpointMs = median(checkpoint) * scale;
  return {
    rollouts,
    historyBlocks,
    eventsPerRollout,
    tailEvents,
    snapshotMb: round(Buffer.byteLength(snapshot) / 1024 ** 2, 2),
    fullRebuildMsPer1000: round(fullMs, 1),
    fromCheckpointMsPer1000: round(checkpointMs, 1),
    ratioToFullRebuild: round(checkpointMs / fullMs, 3),
    sameVerdicts,
    repeats,
  };
}
