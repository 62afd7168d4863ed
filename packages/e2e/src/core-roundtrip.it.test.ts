import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import { ensureElasticsearch, ensureKafka, type ElasticsearchServer, type KafkaServer } from '@rollwatch/testkit';
import { KafkaBus } from '@rollwatch/core';
import { ElasticsearchStore } from '@rollwatch/core';
import { MemoryStore } from '@rollwatch/core';
import { parseEvent, type RollwatchEvent } from '@rollwatch/core';
import { TOPICS } from '@rollwatch/core';
import type { Store, StoreQuery } from '@rollwatch/core';

let kafka: KafkaServer | undefined;
let es: ElasticsearchServer | undefined;
after(async () => {
  await kafka?.stop();
  await es?.stop();
});

function makeEvents(rollout: string, n: number): RollwatchEvent[] {
  return Array.from({ length: n }, (_, i) => {
    const parsed = parseEvent({ time: Date.now() - (n - i) * 1000, rollout, group: i % 2 ? 'canary' : 'baseline', type: i % 5 ? 'log' : 'oom_killed', instance: `pod-${i % 4}`, message: i % 5 ? `request failed code=${i}` : undefined, level: i % 5 ? 'error' : undefined, hostAttributes: { kernel: i % 2 ? '4.4.0-98' : '4.4.0-103' } });
    assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.errors));
    return parsed.event;
  });
}

test('events round-trip through real Kafka into real Elasticsearch exactly once', async () => {
  kafka = await ensureKafka();
  es = await ensureElasticsearch();
  const prefix = `t${randomUUID().slice(0, 8)}-`;
  const bus = new KafkaBus({ brokers: kafka.brokers, clientId: 'core-it', partitions: 3 });
  const store = new ElasticsearchStore({ url: es.url, prefix, refreshOnWrite: true });
  await store.ensureIndices();
  await bus.ensureTopics();
  const rollout = `roundtrip-${randomUUID()}`;
  const events = makeEvents(rollout, 40);
  const groupId = `core-it-${randomUUID()}`;
  let failOnce = true;
  const sub = await bus.subscribe({
    topics: [TOPICS.events],
    groupId,
    fromBeginning: true,
    handler: async (batch) => {
      const mine = batch.map((m) => JSON.parse(m.value) as RollwatchEvent).filter((e) => e.rollout === rollout);
      await store.put('rollwatch-events', mine);
      // A handler failing after a durable write is redelivered: writes by id keep it exactly once.
      if (failOnce && mine.length > 0) {
        failOnce = false;
        throw new Error('simulated crash after write');
      }
    },
  });
  // Publish in two batches, one duplicate batch (a producer retry at the application level).
  const messages = events.map((e) => ({ key: e.rollout, value: JSON.stringify(e) }));
  await bus.publish(TOPICS.events, messages.slice(0, 20));
  await bus.publish(TOPICS.events, messages.slice(20));
  await bus.publish(TOPICS.events, messages.slice(0, 5));
  const query: StoreQuery = { filters: { rollout } };
  const deadline = Date.now() + 30_000;
  while ((await store.count('rollwatch-events', query)) < 40 && Date.now() < deadline) await sleep(200);
  await store.refresh();
  assert.equal(await store.count('rollwatch-events', query), 40);
  const stored = await store.search('rollwatch-events', { ...query, size: 100 });
  assert.deepEqual(stored.hits.map((h) => h.id).sort(), events.map((e) => e.id).sort());
  await sub.stop();
  // Offsets were committed after the durable write: the group resumes after them, no redelivery.
  const again: string[] = [];
  const resumed = await bus.subscribe({
    topics: [TOPICS.events],
    groupId,
    fromBeginning: true,
    handler: async (batch) => void again.push(...batch.map((m) => JSON.parse(m.value) as RollwatchEvent).filter((e) => e.rollout === rollout).map((e) => e.id)),
  });
  await sleep(4000);
  await resumed.stop();
  assert.deepEqual(again, [], 'a restarted consumer in the same group re-read committed messages');
  const admin = new Kafka({ brokers: kafka.brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  const committed = await admin.fetchOffsets({ groupId, topics: [TOPICS.events] });
  await admin.disconnect();
  assert.ok(committed[0]!.partitions.some((p) => Number(p.offset) > 0), JSON.stringify(committed));
  await bus.close();
  await store.close();
});

test('the Elasticsearch store and the embedded store answer the same queries alike', async () => {
  es ??= await ensureElasticsearch();
  const real = new ElasticsearchStore({ url: es.url, prefix: `c${randomUUID().slice(0, 8)}-`, refreshOnWrite: true });
  const embedded = new MemoryStore();
  const rollout = 'contract';
  const events = makeEvents(rollout, 30);
  for (const store of [real, embedded] as Store[]) {
    await store.ensureIndices();
    await store.put('rollwatch-events', events);
  }
  const queries: StoreQuery[] = [
    { filters: { rollout } },
    { filters: { group: 'canary', type: 'oom_killed' } },
    { filters: { 'hostAttributes.kernel': '4.4.0-98' } },
    { filters: { type: ['oom_killed', 'metric'] } },
    { range: { field: 'time', gte: events[10]!.time, lte: events[20]!.time } },
    { text: 'request failed' },
  ];
  for (const q of queries) {
    const [a, b] = await Promise.all([real.search('rollwatch-events', { ...q, size: 100, sort: [{ field: 'time', order: 'asc' }] }), embedded.search('rollwatch-events', { ...q, size: 100, sort: [{ field: 'time', order: 'asc' }] })]);
    assert.equal(a.total, b.total, `total for ${JSON.stringify(q)}`);
    assert.deepEqual(a.hits.map((h) => h.id), b.hits.map((h) => h.id), `hits for ${JSON.stringify(q)}`);
  }
  assert.deepEqual(await real.terms('rollwatch-events', 'group'), await embedded.terms('rollwatch-events', 'group'));
  assert.equal(await real.get('rollwatch-events', 'nope'), undefined);
  assert.equal((await real.get('rollwatch-events', events[3]!.id))?.id, events[3]!.id);
  const health = await real.health();
  assert.equal(health.ok, true);
  await real.close();
});
