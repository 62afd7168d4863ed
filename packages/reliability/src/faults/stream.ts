import type { RollwatchEventInput } from '@rollwatch/core';
import { healthyEvent, pushEvents } from '../harness/events.js';
import { sleep } from '../harness/wait.js';

export interface StreamStats {
  /** Ids of events ingest answered 2xx for: these MUST end up stored. */
  acceptedIds: string[];
  requests: number;
  /** Status code → count (0 = connection error/timeout). */
  statuses: Record<string, number>;
  /** Wall-clock start/end of the stream. */
  startedAt: number;
  endedAt: number;
}

/**
 * A client pushing batches to ingest at a steady pace until `stop()`, spreading events over
 * `rollouts` rollouts. Records exactly which event ids were accepted (2xx): the source of truth
 * for "nothing accepted was lost". Rejected batches are not retried (their loss is the client's).
 */
export function startStream(options: { ingestUrl: string; rolloutPrefix: string; rollouts: number; batchSize: number; intervalMs: number; token?: string; concurrency?: number }): { stop: () => Promise<StreamStats>; stats: StreamStats } {
  const stats: StreamStats = { acceptedIds: [], requests: 0, statuses: {}, startedAt: Date.now(), endedAt: 0 };
  let stopped = false;
  let n = 0;
  const worker = async (): Promise<void> => {
    while (!stopped) {
      const batch: RollwatchEventInput[] = [];
      for (let i = 0; i < options.batchSize; i++, n++) batch.push(healthyEvent(`${options.rolloutPrefix}${n % options.rollouts}`, n));
      const started = Date.now();
      const result = await pushEvents(options.ingestUrl, batch, options.token, 30_000);
      stats.requests++;
      stats.statuses[String(result.status)] = (stats.statuses[String(result.status)] ?? 0) + 1;
      if (result.status >= 200 && result.status < 300) for (const e of batch) stats.acceptedIds.push(e.id!);
      const elapsed = Date.now() - started;
      if (elapsed < options.intervalMs) await sleep(options.intervalMs - elapsed);
    }
  };
  const workers = Array.from({ length: options.concurrency ?? 1 }, () => worker());
  return {
    stats,
    stop: async () => {
      stopped = true;
      await Promise.all(workers);
      stats.endedAt = Date.now();
      return stats;
    },
  };
}
