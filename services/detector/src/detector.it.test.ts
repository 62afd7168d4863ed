import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { ElasticsearchStore, INDICES, KafkaBus, TOPICS, closeServer, createLogger, createRegistry, listen, verdictSchema, type ConsumedMessage, type Subscription, type Verdict } from '@rollwatch/core';
import { ensureElasticsearch, ensureKafka, type ElasticsearchServer, type KafkaServer } from '@rollwatch/testkit';
import type { AnalysisEngine } from '@rollwatch/analysis';
import { createDetector, type Detector } from './detector.js';
import { createDefaultEngine } from './engine.js';
import { crashLoop, testConfig, waitUntil } from './testing/harness.js';

/**
 * The detector against REAL Kafka and Elasticsearch: a crash-looping canary's events go to
 * rollwatch.events; the verdict must turn no-go on rollwatch.verdicts and via /gate; events are
 * stored exactly once by id; a restarted detector gives the same verdict without duplicating
 * anomaly documents.
 */
describe('detector on Kafka + Elasticsearch', { timeout: 300_000 }, () => {
  let kafka: KafkaServer;
  let es: ElasticsearchServer;
  const run = randomUUID().slice(0, 8);
  const rollout = `it-${run}/checkout`;
  const prefix = `dt-${run}-`;
  const group = `rollwatch-detector-it-${run}`;

  before(async () => {
    [kafka, es] = await Promise.all([ensureKafka(), ensureElasticsearch()]);
  });
  after(async () => {
    await kafka?.stop();
    await es?.stop();
  });

  const analysisEngine = () => createDefaultEngine({ DETECTOR_POLICY_FILE: undefined, DETECTOR_DEFAULT_POLICY: undefined });

  interface Running {
    detector: Detector;
    bus: KafkaBus;
    store: ElasticsearchStore;
    server: Server;
    url: string;
    /** Events this replica has stored, analysed and evaluated (its consumed counter): a readiness signal. */
    storedEvents(): Promise<number>;
    stop(): Promise<void>;
  }

  async function startDetector(engine: AnalysisEngine): Promise<Running> {
    const config = testConfig({ KAFKA_BROKERS: kafka.bootstrap, ELASTICSEARCH_URL: es.url, DETECTOR_CONSUMER_GROUP: group, DETECTOR_EVALUATION_INTERVAL_MS: 1000 });
    const logger = createLogger('detector-it', 'silent');
    const bus = new KafkaBus({ brokers: kafka.brokers, clientId: `detector-it-${run}`, partitions: 3, logger });
    const store = new ElasticsearchStore({ url: es.url, prefix });
    const registry = createRegistry('detector');
    const detector = createDetector({ config, bus, store, engine, logger, registry });
    await detector.start();
    const { server } = await listen(detector.app, 0, '127.0.0.1');
    return {
      detector,
      bus,
      store,
      server,
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      storedEvents: async () => {
        const metric = await registry.getSingleMetric('rollwatch_detector_events_consumed_total')!.get();
        return metric.values.find((v) => v.labels.result === 'stored')?.value ?? 0;
      },
      stop: async () => {
        await detector.stop();
        await closeServer(server);
        await bus.close();
        await store.close();
      },
    };
  }

  it('turns no-go within seconds, stores events once, and survives a restart', async () => {
    const producer = new KafkaBus({ brokers: kafka.brokers, clientId: `producer-${run}` });
    const seen: Verdict[] = [];
    let collector: Subscription | undefined;
    let first: Running | undefined;
    let second: Running | undefined;
    try {
      await producer.ensureTopics();
      collector = await producer.subscribe({
        topics: [TOPICS.verdicts],
        groupId: `verdicts-it-${run}`,
        fromBeginning: true,
        handler: async (batch: ConsumedMessage[]) => {
          for (const m of batch) if (m.key === rollout) seen.push(verdictSchema.parse(JSON.parse(m.value)));
        },
      });
      first = await startDetector(analysisEngine());

      const events = crashLoop(rollout);
      const publishedAt = Date.now();
      const messages = events.map((e) => ({ key: rollout, value: JSON.stringify(e) }));
      await producer.publish(TOPICS.events, messages);
      await producer.publish(TOPICS.events, messages); // an at-least-once producer retry
      await producer.publish(TOPICS.events, [{ key: rollout, value: '{"broken": true' }]);

      const noGo = await waitUntil('no-go on rollwatch.verdicts', () => seen.find((v) => v.decision === 'no-go'), 60_000);
      const latencyMs = Date.now() - publishedAt;
      console.log(`# publish → no-go verdict on rollwatch.verdicts: ${latencyMs} ms`);
      assert.equal(noGo.rollout, rollout);
      assert.equal(noGo.cause, 'release');

      const gate = await fetch(`${first.url}/api/v1/rollouts/${encodeURIComponent(rollout)}/gate`);
      assert.equal(gate.status, 409);
      assert.equal(((await gate.json()) as { decision: string }).decision, 'no-go');

      await first.store.refresh();
      assert.equal(await first.store.count(INDICES.events, { filters: { rollout } }), events.length, 'each event stored exactly once');
      const ids = (await first.store.search(INDICES.events, { filters: { rollout }, size: 100 })).hits.map((h) => h.id).sort();
      assert.deepEqual(ids, events.map((e) => e.id!).sort());
      const anomaliesBefore = await first.store.count(INDICES.anomalies, { filters: { rollout } });
      assert.ok(anomaliesBefore >= 1);
      const anomalyDocs = await first.store.search(INDICES.anomalies, { filters: { rollout } });
      assert.ok(anomalyDocs.hits.some((a) => a.signal === 'crash_loop' && a.severity === 'critical'));
      const verdictDocsBefore = await first.store.count(INDICES.verdicts, { filters: { rollout } });
      assert.equal(verdictDocsBefore, noGo.sequence);
      const events2 = await fetch(`${first.url}/api/v1/events?rollout=${encodeURIComponent(rollout)}&type=container_restart`);
      assert.equal(((await events2.json()) as { total: number }).total, 4);
      await first.stop();
      first = undefined;

      // Restart: a new process with an empty engine, same consumer group, same Elasticsearch.
      second = await startDetector(analysisEngine());
      // Restored from the checkpoint the first replica wrote when it stopped (plus the events after it).
      assert.ok(second.detector.lastRebuild()?.rollouts.includes(rollout), 'state restored on assignment');
      await second.store.refresh();
      assert.ok((await second.store.search(INDICES.checkpoints, { size: 10 })).total > 0, 'a graceful stop leaves checkpoints');
      const verdict = (await (await fetch(`${second.url}/api/v1/rollouts/${encodeURIComponent(rollout)}/verdict`)).json()) as Verdict;
      assert.equal(verdict.decision, 'no-go');
      assert.equal(verdict.score, noGo.score);
      assert.equal(verdict.sequence, noGo.sequence, 'sequence continues from the stored verdict; nothing re-published');
      assert.equal((await fetch(`${second.url}/api/v1/rollouts/${encodeURIComponent(rollout)}/gate`)).status, 409);

      // Replaying the same events (e.g. after an offset reset) changes nothing. Wait until the
      // replica has processed them (not a fixed sleep, which would let the checks below pass unread).
      const storedBefore = await second.storedEvents();
      await producer.publish(TOPICS.events, messages);
      const running = second;
      await waitUntil('the replayed events consumed', async () => (await running.storedEvents()) >= storedBefore + messages.length, 60_000);
      await second.detector.tick();
      await second.store.refresh();
      assert.equal(await second.store.count(INDICES.events, { filters: { rollout } }), events.length);
      assert.equal(await second.store.count(INDICES.anomalies, { filters: { rollout } }), anomaliesBefore, 'no duplicate anomaly documents');
      assert.equal(await second.store.count(INDICES.verdicts, { filters: { rollout } }), verdictDocsBefore);
      assert.equal(seen.filter((v) => v.sequence > noGo.sequence).length, 0);
    } finally {
      await collector?.stop();
      await first?.stop();
      await second?.stop();
      await producer.close();
    }
  });
});
