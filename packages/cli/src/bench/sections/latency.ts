// End-to-end latency through real Kafka: the event time of a canary's first critical event (an OOM
// kill pushed to ingest) → `no-go` on rollwatch.verdicts → the rollback webhook at a local receiver.
// Ingest, detector and alerts run in this process via the CLI's startServices (the production
// code; only the process boundary differs), against real Kafka and the chosen store.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createLogger, KafkaBus, TOPICS, type Subscription } from '@rollwatch/core';
import { startServices } from '../../embedded.js';
import { memorySampler, type MemorySample } from '../machine.js';
import { startWebhookReceiver } from '../receiver.js';
import { competitorModels, type ModelFigure } from './models.js';
import { distribution, ratio, type Distribution } from '../stats.js';

export interface LatencyResult {
  kafka: string;
  store: 'memory' | 'elasticsearch';
  rollouts: number;
  completed: number;
  timedOut: number;
  warmupSeconds: number;
  /** Event time of the OOM kill → no-go seen on rollwatch.verdicts (ms). */
  toVerdictMs: Distribution;
  /** Event time of the OOM kill → rollback webhook received (ms). */
  toWebhookMs: Distribution;
  target: { p99BelowMs: number; met: boolean };
  /** Model figures for the same fault with other tools' settings, and how many times slower they are than our p99. */
  models: (ModelFigure & { ratioToRollwatchP99: number | null })[];
  memory: { peak: MemorySample; note: string };
}

async function push(port: number, events: unknown[]): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${port}/api/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(events) });
  if (res.status !== 202) throw new Error(`ingest answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
}

function rolloutEvents(rollout: string, now: number): unknown[] {
  const events: unknown[] = [];
  for (const [group, n] of [
    ['baseline', 2],
    ['canary', 2],
  ] as const) {
    for (let i = 0; i < n; i++) events.push({ time: now, rollout, group, type: 'container_start', instance: `${rollout}-${group}-${i}`, service: 'bench' });
  }
  return events;
}

export async function measureLatency(brokers: string[], elasticsearchUrl: string | undefined, rollouts: number, deadlineMs: number): Promise<LatencyResult> {
  const run = randomUUID().slice(0, 8);
  const receiver = await startWebhookReceiver();
  const spoolDir = await mkdtemp(path.join(os.tmpdir(), 'rollwatch-bench-e2e-'));
  const env: NodeJS.ProcessEnv = {
    KAFKA_BROKERS: brokers.join(','),
    KAFKA_CLIENT_ID: `rollwatch-bench-${run}`,
    LOG_LEVEL: 'silent',
    INGEST_SPOOL_DIR: spoolDir,
    INGEST_RATE_LIMIT: '0', INGEST_MAX_NEW_ROLLOUTS_PER_MINUTE: '0',
    // Fresh groups that start at the end of the topics: the ingest benchmark's events are not ours.
    DETECTOR_CONSUMER_GROUP: `rollwatch-bench-detector-${run}`,
    DETECTOR_FROM_BEGINNING: 'false',
    DETECTOR_REBUILD_MAX_EVENTS: '0',
    ALERTS_CONSUMER_GROUP: `rollwatch-bench-alerts-${run}`,
    ALERTS_FROM_BEGINNING: 'false',
    ALERTS_ACTUATOR: 'webhook',
    ALERTS_ACTUATOR_URL: receiver.url,
    ALERTS_ACTUATION_TARGETS: '*/*',
    ALERTS_WEBHOOK_SECRET: `whsec_${randomBytes(24).toString('base64')}`,
    ALERTS_ON_NO_GO: 'rollback',
  };
  if (elasticsearchUrl) env.ELASTICSEARCH_URL = elasticsearchUrl;

  const verdictSeen = new Map<string, number>();
  const watcher = new KafkaBus({ brokers, clientId: `rollwatch-bench-watch-${run}` });
  let subscription: Subscription | undefined;
  const logger = createLogger('bench', 'silent');
  const sampler = memorySampler(250);
  const stack = await startServices({ env, ports: { ingest: 0, detector: 0, alerts: 0 }, logger });
  try {
    subscription = await watcher.subscribe({
      groupId: `rollwatch-bench-watch-${run}`,
      topics: [TOPICS.verdicts],
      fromBeginning: false,
      handler: async (messages) => {
        const at = Date.now();
        for (const m of messages) {
          try {
            const v = JSON.parse(m.value) as { rollout?: string; decision?: string };
            if (v.decision === 'no-go' && v.rollout && !verdictSeen.has(v.rollout)) verdictSeen.set(v.rollout, at);
          } catch {
            // Not ours to validate: the detector owns the topic's contract.
          }
        }
      },
    });
    const port = stack.ports.ingest!;

    // Warm-up: consumer groups join asynchronously, so repeat a throwaway rollout until one
    // rollback arrives end to end (and the verdict watcher has seen its no-go).
    const warmStart = Date.now();
    for (let attempt = 0; ; attempt++) {
      if (Date.now() - warmStart > 90_000) throw new Error('warm-up: no rollback webhook within 90 s (are detector and alerts consuming?)');
      const rollout = `bench-warm-${run}-${attempt}`;
      const now = Date.now();
      await push(port, [...rolloutEvents(rollout, now), { time: now, rollout, group: 'canary', type: 'oom_killed', instance: `${rollout}-canary-0`, exitCode: 137, service: 'bench' }]);
      if ((await receiver.waitFor(rollout, 5_000)) && verdictSeen.has(rollout)) break;
    }
    const warmupSeconds = (Date.now() - warmStart) / 1000;

    const toVerdict: number[] = [];
    const toWebhook: number[] = [];
    let timedOut = 0;
    let attempted = 0;
    for (let i = 0; i < rollouts && Date.now() < deadlineMs; i++) {
      attempted++;
      const rollout = `bench-e2e-${run}-${i}`;
      await push(port, rolloutEvents(rollout, Date.now()));
      // A short gap so the OOM is judged against a rollout the detector already tracks.
      await new Promise((r) => setTimeout(r, 100));
      const eventTime = Date.now();
      await push(port, [{ time: eventTime, rollout, group: 'canary', type: 'oom_killed', instance: `${rollout}-canary-0`, exitCode: 137, service: 'bench' }]);
      const action = await receiver.waitFor(rollout, 15_000);
      if (!action) {
        timedOut++;
        continue;
      }
      toWebhook.push(action.atMs - eventTime);
      // The watcher's consumer may poll the verdict after alerts already acted on it.
      for (const until = Date.now() + 3_000; !verdictSeen.has(rollout) && Date.now() < until; ) await new Promise((r) => setTimeout(r, 5));
      const v = verdictSeen.get(rollout);
      if (v !== undefined) toVerdict.push(v - eventTime);
    }
    const webhook = distribution(toWebhook);
    const p99 = webhook.p99;
    const { peak } = sampler.stop();
    return {
      kafka: brokers.join(','),
      store: elasticsearchUrl ? 'elasticsearch' : 'memory',
      rollouts: attempted,
      completed: toWebhook.length,
      timedOut,
      warmupSeconds: Math.round(warmupSeconds * 10) / 10,
      toVerdictMs: distribution(toVerdict),
      toWebhookMs: webhook,
      target: { p99BelowMs: 2000, met: p99 !== null && p99 < 2000 && timedOut === 0 },
      models: competitorModels().map((m) => ({ ...m, ratioToRollwatchP99: ratio(m.secondsToRollback * 1000, p99, 0) })),
      memory: { peak, note: 'peak RSS/heap of the bench process running ingest + detector + alerts (startServices) and the load driver' },
    };
  } finally {
    sampler.stop();
    await subscription?.stop().catch(() => undefined);
    await watcher.close().catch(() => undefined);
    await stack.stop().catch(() => undefined);
    await receiver.close();
    await rm(spoolDir, { recursive: true, force: true });
  }
}
