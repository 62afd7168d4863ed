import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ensureElasticsearch, ensureKafka, type ElasticsearchServer, type KafkaServer } from '@rollwatch/testkit';
import { EsProbe } from '../harness/elasticsearch.js';
import { runTag } from '../harness/events.js';
import type { ServiceProcess } from '../harness/service-process.js';
import { killAll, serviceProcess } from '../harness/stack.js';
import { sleep, waitFor } from '../harness/wait.js';
import { startStream } from './stream.js';

/**
 * Backend faults with a private Kafka and Elasticsearch (fresh: they get SIGKILLed): every event
 * ingest accepted (2xx) ends up in Elasticsearch exactly once, by count and by id.
 *   - Kafka SIGKILLed mid-stream, restarted after KAFKA_DOWN_MS (ingest spools to disk meanwhile).
 *   - Elasticsearch SIGKILLed for ES_DOWN_MS: services stay up, /readyz says 503 naming the
 *     store check, writes are retried, nothing is lost after it returns.
 * Durations are the CI subset's; `npm run test:chaos` sets longer ones through the env.
 */
const KAFKA_DOWN_MS = Number(process.env.ROLLWATCH_CHAOS_KAFKA_DOWN_MS ?? 8000);
const ES_DOWN_MS = Number(process.env.ROLLWATCH_CHAOS_ES_DOWN_MS ?? 15_000);

describe('backend faults: Kafka and Elasticsearch killed under a live stream', { timeout: 600_000 }, () => {
  let kafka: KafkaServer;
  let es: ElasticsearchServer;
  let esProbe: EsProbe;
  let ingest: ServiceProcess;
  let detector: ServiceProcess;
  let alerts: ServiceProcess;
  const run = runTag();

  before(async () => {
    [kafka, es] = await Promise.all([ensureKafka({ fresh: true }), ensureElasticsearch({ fresh: true })]);
    esProbe = new EsProbe(es.url);
    const backends = { kafkaBootstrap: kafka.bootstrap, elasticsearchUrl: es.url };
    ingest = serviceProcess('ingest', backends, run);
    detector = serviceProcess('detector', backends, run);
    alerts = serviceProcess('alerts', backends, run);
    await Promise.all([ingest.start(), detector.start(), alerts.start()]);
    await Promise.all([ingest.ready(90_000), detector.ready(90_000), alerts.ready(90_000)]);
  });

  after(async () => {
    await killAll([ingest, detector, alerts]);
    await kafka?.stop();
    await es?.stop();
  });

  it('Kafka SIGKILLed mid-stream: every accepted event is stored exactly once', async () => {
    const prefix = `kafkakill-${run}-`;
    const stream = startStream({ ingestUrl: ingest.url, rolloutPrefix: prefix, rollouts: 20, batchSize: 25, intervalMs: 50 });
    await sleep(3000);
    await kafka.kill();
    const killedAt = Date.now();
    await sleep(KAFKA_DOWN_MS);
    const readyWhileDown = await ingest.readyz();
    await kafka.restart();
    const restartedAt = Date.now();
    await sleep(3000);
    const stats = await stream.stop();
    const accepted = stats.acceptedIds.length;
    const { stored, matched } = await waitFor('every accepted event in Elasticsearch', async () => {
      const c = await esProbe.eventsCoverage(prefix, stats.acceptedIds);
      return c.matched >= accepted ? c : undefined;
    }, { timeoutMs: 180_000, intervalMs: 1000 }).catch(() => esProbe.eventsCoverage(prefix, stats.acceptedIds));
    const recoveredMs = Date.now() - restartedAt;
    console.log(`# kafka kill: ${stats.requests} pushes ${JSON.stringify(stats.statuses)}, accepted ${accepted}, stored ${stored}, matched ids ${matched}; Kafka down ${restartedAt - killedAt} ms; all stored ${recoveredMs} ms after restart; ingest /readyz while down: ${readyWhileDown.status} ${JSON.stringify(readyWhileDown.body.checks?.bus)}`);
    assert.ok(accepted > 0, 'the stream pushed something');
    assert.ok((stats.statuses['202'] ?? 0) > 0);
    assert.equal(matched, accepted, `lost ${accepted - matched} accepted event(s)`);
    assert.equal(stored, accepted, `${stored - accepted} stored event(s) were never accepted or are duplicates`);
    for (const p of [ingest, detector, alerts]) assert.deepEqual(p.crashes, [], `${p.name} crashed:\n${p.output().slice(-2000)}`);
  });

  it('Elasticsearch down: services stay up, /readyz names the store, nothing accepted is lost', async () => {
    const prefix = `esdown-${run}-`;
    const stream = startStream({ ingestUrl: ingest.url, rolloutPrefix: prefix, rollouts: 10, batchSize: 20, intervalMs: 100 });
    await sleep(2000);
    await es.kill();
    const killedAt = Date.now();
    const notReady = await waitFor('detector /readyz 503 naming the store', async () => {
      const r = await detector.readyz();
      return r.status === 503 ? r : undefined;
    }, { timeoutMs: 30_000, intervalMs: 500 });
    const failing = Object.entries(notReady.body.checks ?? {}).filter(([, c]) => !c.ok);
    assert.ok(failing.length > 0, JSON.stringify(notReady.body));
    assert.ok(failing.some(([, c]) => /elasticsearch|store/i.test(`${c.detail ?? ''}`)) || failing.some(([name]) => /store/.test(name)), `the failing check names Elasticsearch: ${JSON.stringify(notReady.body)}`);
    const alertsReady = await alerts.readyz();
    assert.equal(alertsReady.status, 503, `alerts /readyz while ES is down: ${JSON.stringify(alertsReady.body)}`);
    const remaining = ES_DOWN_MS - (Date.now() - killedAt);
    if (remaining > 0) await sleep(remaining);
    for (const p of [ingest, detector, alerts]) {
      assert.ok(p.running, `${p.name} died while Elasticsearch was down:\n${p.output().slice(-2000)}`);
      assert.equal((await fetch(`${p.url}/healthz`)).status, 200, `${p.name} /healthz while ES is down`);
    }
    await es.restart();
    const restartedAt = Date.now();
    const stats = await stream.stop();
    const accepted = stats.acceptedIds.length;
    const { stored, matched } = await waitFor('every accepted event in Elasticsearch after it returned', async () => {
      const c = await esProbe.eventsCoverage(prefix, stats.acceptedIds);
      return c.matched >= accepted ? c : undefined;
    }, { timeoutMs: 180_000, intervalMs: 1000 }).catch(() => esProbe.eventsCoverage(prefix, stats.acceptedIds));
    const caughtUpMs = Date.now() - restartedAt;
    await Promise.all([detector.ready(60_000), alerts.ready(60_000)]);
    console.log(`# es down ${restartedAt - killedAt} ms: ${stats.requests} pushes ${JSON.stringify(stats.statuses)}, accepted ${accepted}, stored ${stored}, matched ${matched}; caught up ${caughtUpMs} ms after restart; /readyz while down: ${JSON.stringify(notReady.body.checks)}`);
    assert.equal(matched, accepted, `lost ${accepted - matched} accepted event(s)`);
    assert.equal(stored, accepted);
    for (const p of [ingest, detector, alerts]) assert.deepEqual(p.crashes, [], `${p.name} crashed`);
  });
});
