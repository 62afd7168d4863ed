// A replica's state follows the consumer group's assignment of `rollwatch.events` partitions: an
// assigned partition's rollouts are restored (last checkpoint + the stored events after its offset,
// or a rebuild from the stored events) before any of its messages is consumed, and a revoked
// partition's rollouts are dropped. Kept apart from the detector's wiring (detector.ts).
import { errorMessage, type Logger, type RollwatchEvent, type Store } from '@rollwatch/core';
import { snapshotEntryId, type AnalysisEngine } from '@rollwatch/analysis';
import type { DetectorConfig } from '../config.js';
import type { MetricPoller } from '../metric-providers/poller.js';
import type { DetectorMetrics } from '../metrics.js';
import type { VerdictTracker } from '../verdicts/tracker.js';
import type { Checkpointer } from './checkpoints.js';
import type { PartitionOwnership } from './ownership.js';
import { rebuildFromStore, replayFromOffset, type RebuildReport } from './rebuild.js';
import { splitRestoredForEvaluation } from './restore-evaluation.js';
import type { RevisionIndex } from './revisions.js';
import type { SpecRegistry } from './specs.js';

export interface PartitionLifecycleDeps {
  config: DetectorConfig;
  engine: AnalysisEngine;
  store: Store;
  logger: Logger;
  metrics: DetectorMetrics;
  specs: SpecRegistry;
  revisions: RevisionIndex;
  ownership: PartitionOwnership;
  checkpointer: Checkpointer;
  tracker: VerdictTracker;
  poller: MetricPoller;
  /** The rollouts this replica's engine holds, and when each last had an event (the detector's). */
  local: Set<string>;
  arrivals: Map<string, number>;
  now: () => number;
  /** Sees every replayed event before the engine does (the revision index). */
  observe: (events: RollwatchEvent[]) => void;
  /** An assignment was restored (`undefined`: it was empty). */
  restored: (report: RebuildReport | undefined) => void;
}

export interface PartitionLifecycle {
  restore(partitions: number[]): Promise<void>;
  drop(partitions: number[]): void;
}

export function createPartitionLifecycle(deps: PartitionLifecycleDeps): PartitionLifecycle {
  const { config, engine, store, logger, metrics, specs, revisions, ownership, checkpointer, tracker, poller, local, arrivals, now, observe, restored } = deps;
  /**
   * Restores what an assigned partition holds: its stored events (only that partition's), then
   * evaluates the restored rollouts; until then they answer `pending` ("restoring") and are not judged.
   */
  async function restore(partitions: number[]): Promise<void> {
    if (partitions.length === 0) {
      restored(undefined);
      return;
    }
    ownership.assign(partitions);
    try {
      const started = Date.now();
      const placements = new Map<string, number>();
      const place = (rollout: string, partition: number): void => {
        placements.set(rollout, partition);
        if (ownership.owns(partition)) ownership.place(rollout, partition);
      };
      // Last checkpoint + the events after its offset; a partition without one is rebuilt from its stored events.
      const fromCheckpoint: number[] = [];
      /** Settled when their checkpoint was written, and no event of theirs replayed since. */
      const settledAtCheckpoint = new Set<string>();
      let events = 0;
      for (const partition of partitions) {
        const checkpoint = await checkpointer.load(partition);
        if (!checkpoint) continue;
        // Rollouts finished when the checkpoint was written are JSON text in it (packed entries): this
        // parse leaves them strings. Those finished by now stay packed until read or fed (the rounds
        // judge them later), so neither parsing nor unpacking them is part of the restore.
        const snapshot = JSON.parse(checkpoint.snapshot) as { rollouts?: unknown[] };
        for (const r of snapshot.rollouts ?? []) {
          const id = snapshotEntryId(r);
          if (id !== undefined) place(id, partition);
        }
        engine.restore(snapshot, { deferFinishedAt: now() });
        // Which revision each key is, its start and where an actuator finds it: not in the engine snapshot.
        revisions.restore(checkpoint.revisions ?? []);
        const replay = await replayFromOffset({ engine, store, logger, partition, fromOffset: checkpoint.offset, maxEvents: config.DETECTOR_REBUILD_MAX_EVENTS, beforeAnalysis: observe });
        for (const [rollout, p] of replay.placements) place(rollout, p);
        for (const rollout of checkpoint.settled ?? []) if (!replay.placements.has(rollout)) settledAtCheckpoint.add(rollout);
        checkpointer.restoredTo(partition, replay.nextOffset);
        events += replay.events;
        fromCheckpoint.push(partition);
      }
      const rest = partitions.filter((p) => !fromCheckpoint.includes(p));
      const rebuilt = rest.length === 0 ? undefined : await rebuildFromStore({
        engine,
        store,
        specs,
        logger,
        sinceMs: now() - config.DETECTOR_RETENTION_MS,
        maxEvents: config.DETECTOR_REBUILD_MAX_EVENTS,
        partitions: rest,
        beforeAnalysis: observe,
        onPage: (page) => {
          for (const [rollout, partition] of page) place(rollout, partition);
        },
      });
      events += rebuilt?.events ?? 0;
      const report: RebuildReport = { specs: rebuilt?.specs ?? 0, events, rollouts: [...placements.keys()], placements, truncated: rebuilt?.truncated ?? false, durationMs: Date.now() - started };
      const kept = [...report.placements].filter(([, partition]) => ownership.owns(partition)).map(([rollout]) => rollout);
      // Revoked while restoring: what was read for it is not ours to hold.
      for (const [rollout, partition] of report.placements) if (!ownership.owns(partition) && !specs.get(rollout)) engine.forget(rollout);
      const at = now();
      for (const rollout of kept) {
        local.add(rollout);
        if (!arrivals.has(rollout)) arrivals.set(rollout, at);
        tracker.claim(rollout);
      }
      metrics.trackedRollouts.set(local.size);
      // Publishes what changed while nobody owned them (time-driven rules); sequences continue from
      // the stored ones. Only then do the rollouts stop answering "restoring". Finished rollouts are
      // left to the rounds, so the restore does not grow with how many finished within the retention.
      const judged = splitRestoredForEvaluation(engine, kept.filter((r) => ownership.owns(ownership.partition(r) ?? -1)), now());
      // Finished rollouts whose verdict was final and published at the checkpoint are not judged
      // again by the rounds: they stay packed until read (restore and what follows it stay flat in
      // the finished rollouts a checkpoint holds). The other finished ones are left to the rounds.
      const settled = tracker.restoreSettled(judged.deferred.filter((r) => settledAtCheckpoint.has(r)));
      await tracker.evaluate(judged.now);
      ownership.restored(partitions.filter((p) => ownership.owns(p)));
      report.durationMs = Date.now() - started;
      logger.info({ partitions, fromCheckpoint, events, rollouts: placements.size, judged: judged.now.length, deferred: judged.deferred.length - settled, settled, durationMs: report.durationMs }, 'partitions restored');
      restored(report);
    } catch (error) {
      // The bus retries the restore before the partition's next batch; meanwhile its rollouts stay pending.
      logger.warn({ partitions, err: errorMessage(error) }, 'restoring assigned partitions failed');
      throw error;
    }
  }

  function drop(partitions: number[]): void {
    const dropped = ownership.revoke(partitions);
    checkpointer.forget(partitions);
    for (const rollout of dropped) {
      if (!specs.get(rollout)) engine.forget(rollout);
      tracker.forget(rollout);
      poller.forget(rollout);
      revisions.forget(rollout);
      arrivals.delete(rollout);
      if (!specs.get(rollout)) local.delete(rollout);
    }
    metrics.trackedRollouts.set(local.size);
    if (dropped.length > 0) logger.info({ partitions, rollouts: dropped.length }, 'partitions revoked; their rollouts are another replica\'s now');
  }

  return { restore, drop };
}

/** One report of every restore so far (the detector's `lastRebuild()`). */
export function mergeReports(reports: RebuildReport[]): RebuildReport {
  const placements = new Map<string, number>();
  for (const r of reports) for (const [k, v] of r.placements) placements.set(k, v);
  return {
    specs: reports.reduce((max, r) => Math.max(max, r.specs), 0),
    events: reports.reduce((sum, r) => sum + r.events, 0),
    rollouts: [...placements.keys()],
    placements,
    truncated: reports.some((r) => r.truncated),
    durationMs: reports.reduce((sum, r) => sum + r.durationMs, 0),
  };
}
