import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ElasticsearchStore, INDICES } from '@rollwatch/core';
import { ensureElasticsearch, ensureKafka, type ElasticsearchServer, type KafkaServer } from '@rollwatch/testkit';
import { startServices, type RunningStack } from '@rollwatch/cli';

// The whole pipeline against real servers: ingest → Kafka → detector → Elasticsearch.
let kafka: KafkaServer;
let es: ElasticsearchServer;
let stack: RunningStack;
before(async () => {
  kafka = await ensureKafka();
  es = await ensureElasticsearch();
  stack = await startServices({
    env: { LOG_LEVEL: 'silent', KAFKA_BROKERS: kafka.bootstrap, ELASTICSEARCH_URL: es.url, KAFKA_PARTITIONS: '3', INGEST_SPOOL_DIR: `/tmp/rollwatch-e2e-stack-${process.pid}` },
    ports: { ingest: 0, detector: 0, alerts: 0 },
  });
});
after(async () => {
  await stack?.stop();
  await kafka?.stop();
  await es?.stop();
});

test('events pushed to ingest land in Elasticsearch exactly once and drive a no-go verdict', async () => {
  assert.equal(stack.bus.kind, 'kafka');
  assert.equal(stack.store.kind, 'elasticsearch');
  const rollout = `stack-${randomUUID().slice(0, 8)}`;
  const now = Date.now();
  const events: Record<string, unknown>[] = [];
  for (const inst of ['b1', 'b2']) events.push({ id: `${rollout}-${inst}-start`, time: now - 60_000, rollout, group: 'baseline', type: 'container_start', instance: inst });
  for (let i = 0; i < 4; i++) {
    events.push({ id: `${rollout}-oom-${i}`, time: now - 20_000 + i * 3000, rollout, group: 'canary', type: 'oom_killed', instance: 'c1', exitCode: 137, hostAttributes: { kernel: '6.1.0-13' } });
    events.push({ id: `${rollout}-restart-${i}`, time: now - 20_000 + i * 3000 + 5, rollout, group: 'canary', type: 'container_restart', instance: 'c1', exitCode: 137 });
  }
  const post = (body: unknown) => fetch(`http://127.0.0.1:${stack.ports.ingest}/api/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal((await post(events)).status, 202);
  // A client retry of the same batch must not duplicate anything.
  assert.equal((await post(events.slice(0, 4))).status, 202);

  const reader = new ElasticsearchStore({ url: es.url });
  const deadline = Date.now() + 30_000;
  let stored = 0;
  while (Date.now() < deadline) {
    await reader.refresh(INDICES.events);
    stored = await reader.count(INDICES.events, { filters: { rollout } });
    if (stored >= events.length) break;
    await sleep(250);
  }
  assert.equal(stored, events.length);
  const ids = (await reader.search(INDICES.events, { filters: { rollout }, size: 100 })).hits.map((h) => h.id).sort();
  assert.deepEqual(ids, events.map((e) => e.id as string).sort());

  let decision = '';
  while (Date.now() < deadline && decision !== 'no-go') {
    const res = await fetch(`http://127.0.0.1:${stack.ports.detector}/api/v1/rollouts/${rollout}/verdict`);
    if (res.status === 200) decision = ((await res.json()) as { decision: string }).decision;
    if (decision !== 'no-go') await sleep(250);
  }
  assert.equal(decision, 'no-go');
  await sleep(1500);
  await reader.refresh();
  const verdicts = await reader.search(INDICES.verdicts, { filters: { rollout }, size: 50 });
  assert.ok(verdicts.hits.some((v) => v.decision === 'no-go'), 'the no-go verdict is indexed');
  await reader.close();
});
