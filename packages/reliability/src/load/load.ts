import { TOPICS, type RollwatchEventInput } from '@rollwatch/core';
import { EsProbe } from '../harness/elasticsearch.js';
import { healthyEvent, pushEvents } from '../harness/events.js';
import { KafkaProbe } from '../harness/kafka.js';
import type { ServiceProcess } from '../harness/service-process.js';
import { sleep, waitFor } from '../harness/wait.js';

export interface LoadOptions {
  ingest: ServiceProcess;
  detector: ServiceProcess;
  detectorGroup: string;
  kafkaBrokers: string[];
  elasticsearchUrl: string;
  rolloutPrefix: string;
  durationMs: number;
  /** Target events per second (paced in 100 ms slots). */
  ratePerSecond: number;
  rollouts: number;
  batchSize?: number;
  concurrency?: number;
  sampleEveryMs?: number;
  /** How long the consumer may take to catch up after the load stops. */
  recoverTimeoutMs?: number;
}

export interface RssSample {
  atMs: number;
  ingestMb: number | null;
  detectorMb: number | null;
  lag: number | null;
}

export interface LoadReport {
  durationMs: number;
  targetRate: number;
  achievedRate: number;
  rollouts: number;
  requests: number;
  statuses: Record<string, number>;
  accepted: number;
  storedInEs: number;
  matchedIds: number;
  kafkaGrowth: number;
  lagAtStop: number;
  lagRecoveredMs: number | null;
  maxLag: number;
  samples: RssSample[];
  peakIngestMb: number;
  peakDetectorMb: number;
}

const mb = (bytes: number | undefined): number | null => (bytes === undefined ? null : Math.round(bytes / 1024 / 1024));

/**
 * Sustained push load through ingest into the detector: `ratePerSecond` events spread over
 * `rollouts` rollouts for `durationMs`, then waits for the detector's consumer group to catch up
 * (lag from `fetchOffsets` vs `fetchTopicOffsets`) and for Elasticsearch to hold every accepted
 * event. RSS of both processes (from /proc/<pid>/status) and lag are sampled all along.
 */
export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  const kafka = new KafkaProbe(options.kafkaBrokers);
  const es = new EsProbe(options.elasticsearchUrl);
  const batchSize = options.batchSize ?? 100;
  const concurrency = options.concurrency ?? 4;
  const statuses: Record<string, number> = {};
  const acceptedIds: string[] = [];
  const samples: RssSample[] = [];
  let requests = 0;
  let maxLag = 0;
  const startEnd = await kafka.messageCount(TOPICS.events).catch(() => 0);
  const t0 = Date.now();

  const sample = async (): Promise<void> => {
    const lag = await kafka.lag(options.detectorGroup, TOPICS.events).then((l) => l.lag).catch(() => null);
    if (lag !== null) maxLag = Math.max(maxLag, lag);
    samples.push({ atMs: Date.now() - t0, ingestMb: mb(options.ingest.rssBytes()), detectorMb: mb(options.detector.rssBytes()), lag });
  };
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      await sample();
      await sleep(options.sampleEveryMs ?? 5000);
    }
  })();

  // Pacing: a shared cursor of events due by now; workers take batches while behind schedule.
  let next = 0;
  const due = (): number => Math.floor(((Date.now() - t0) / 1000) * options.ratePerSecond);
  const deadline = t0 + options.durationMs;
  const worker = async (): Promise<void> => {
    while (Date.now() < deadline) {
      const available = Math.min(due(), Math.floor((options.durationMs / 1000) * options.ratePerSecond)) - next;
      if (available <= 0) {
        await sleep(20);
        continue;
      }
      const take = Math.min(batchSize, available);
      const first = next;
      next += take;
      const batch: RollwatchEventInput[] = [];
      for (let n = first; n < first + take; n++) batch.push(healthyEvent(`${options.rolloutPrefix}${n % options.rollouts}`, n));
      const r = await pushEvents(options.ingest.url, batch, undefined, 30_000);
      requests++;
      statuses[String(r.status)] = (statuses[String(r.status)] ?? 0) + 1;
      if (r.status === 202) for (const e of batch) acceptedIds.push(e.id!);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, () => worker()));
  const loadMs = Date.now() - t0;
  await sample();
  const lagAtStop = samples.at(-1)?.lag ?? -1;

  // Recovery: the detector's group catches up with the end of rollwatch.events.
  const stoppedAt = Date.now();
  let lagRecoveredMs: number | null;
  try {
    await waitFor('consumer lag back to 0', async () => (await kafka.lag(options.detectorGroup, TOPICS.events)).lag === 0, { timeoutMs: options.recoverTimeoutMs ?? 180_000, intervalMs: 1000 });
    lagRecoveredMs = Date.now() - stoppedAt;
  } catch {
    lagRecoveredMs = null;
  }
  const coverage = await waitFor('every accepted event in Elasticsearch', async () => {
    const c = await es.eventsCoverage(options.rolloutPrefix, acceptedIds);
    return c.matched >= acceptedIds.length ? c : undefined;
  }, { timeoutMs: 120_000, intervalMs: 2000 }).catch(() => es.eventsCoverage(options.rolloutPrefix, acceptedIds));
  sampling = false;
  await sampler;
  await sample();
  const kafkaGrowth = (await kafka.messageCount(TOPICS.events)) - startEnd;
  await kafka.close();
  const peak = (key: 'ingestMb' | 'detectorMb') => samples.reduce((max, s) => Math.max(max, s[key] ?? 0), 0);
  return {
    durationMs: loadMs,
    targetRate: options.ratePerSecond,
    achievedRate: Math.round(acceptedIds.length / (loadMs / 1000)),
    rollouts: options.rollouts,
    requests,
    statuses,
    accepted: acceptedIds.length,
    storedInEs: coverage.stored,
    matchedIds: coverage.matched,
    kafkaGrowth,
    lagAtStop,
    lagRecoveredMs,
    maxLag,
    samples,
    peakIngestMb: peak('ingestMb'),
    peakDetectorMb: peak('detectorMb'),
  };
}

/** One line per sample, for logs and RELIABILITY.md. */
export function formatSamples(samples: RssSample[]): string {
  return samples.map((s) => `t=${Math.round(s.atMs / 1000)}s ingest=${s.ingestMb ?? '-'}MB detector=${s.detectorMb ?? '-'}MB lag=${s.lag ?? '-'}`).join('\n');
}
