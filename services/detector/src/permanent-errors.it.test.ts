import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { ElasticsearchStore, INDICES, KafkaBus, TOPICS, closeServer, createLogger, listen, createRegistry, rolloutKey, storeDocumentId, verdictSchema, type ConsumedMessage, type RollwatchEventInput, type Subscription, type Verdict } from '@rollwatch/core';
import { ensureElasticsearch, ensureKafka, type ElasticsearchServer, type KafkaServer } from '@rollwatch/testkit';
import { createDetector } from './detector.js';
import { createDefaultEngine } from './engine.js';
import { crashLoop, testConfig, waitUntil } from './testing/harness.js';

/**
 * Issue 19 item 6 on REAL Kafka and Elasticsearch: a write that can never succeed is dead-lettered
 * with the reason and the partition moves on; the longest ids the contract allows (non-ASCII, whose
 * document ids pass Elasticsearch's 512-byte limit) flow end to end under hashed document ids.
 */
describe('permanent errors never block a partition (Kafka + Elasticsearch)', { timeout: 300_000 }, () => {
  let kafka: KafkaServer;
  let es: ElasticsearchServer;
  const run = randomUUID().slice(0, 8);
  const prefix = `pe-${run}-`;
  const group = `rollwatch-detector-pe-${run}`;

  before(async () => {
    [kafka, es] = await Promise.all([ensureKafka(), ensureElasticsearch()]);
  });
  after(async () => {
    await kafka?.stop();
    await es?.stop();
  });

  it('dead-letters a document the mapping refuses, processes the partition after it, and stores a 256-character non-ASCII rollout key under hashed ids', async () => {
    // 127 two-byte characters + "@" + 128 three-byte characters: a 256-character rollout key of
    // 639 bytes (the rollout id itself is 254 bytes, inside the 256-byte cap; the revision may hold
    // 128 characters). Its verdict id "<key>:<n>" is > 512 bytes: before hashing, every verdict
    // write failed for ever and blocked the partition (issue 19).
    const rolloutId = `é`.repeat(127);
    const revision = '漢'.repeat(128);
    const key = rolloutKey(rolloutId, revision);
    assert.equal([...key].length, 256);
    assert.ok(Buffer.byteLength(`${key}:1`) > 512);
    // A rollout with a poison event in the middle of its partition: exitCode is an `integer` in the
    // events mapping, so 2^40 is refused by Elasticsearch (400 mapper_parsing_exception) for good.
    const poisoned = `pe-${run}/poisoned`;
    const at = (i: number) => new Date(Date.now() - 60_000 + i * 1000).toISOString();
    const before: RollwatchEventInput[] = [1, 2, 3].map((i) => ({ id: `${run}-before-${i}`, time: at(i), rollout: poisoned, group: 'canary', type: 'container_start', instance: `i-${i}`, service: 'checkout' }));
    const poison: RollwatchEventInput = { id: `${run}-poison`, time: at(4), rollout: poisoned, group: 'canary', type: 'container_exit', instance: 'i-1', service: 'checkout', exitCode: 2 ** 40 };
    const later: RollwatchEventInput[] = [5, 6, 7].map((i) => ({ id: `${run}-later-${i}`, time: at(i), rollout: poisoned, group: 'canary', type: 'container_start', instance: `i-${i}`, service: 'checkout' }));
    const long = crashLoop(rolloutId).map((e, i) => ({ ...e, id: `${run}-long-${i}`, revision }));

    const logger = createLogger('detector-pe', 'silent');
    const producer = new KafkaBus({ brokers: kafka.brokers, clientId: `producer-${run}` });
    const bus = new KafkaBus({ brokers: kafka.brokers, clientId: `detector-pe-${run}`, partitions: 3, logger });
    const store = new ElasticsearchStore({ url: es.url, prefix });
    const verdicts: Verdict[] = [];
    const letters: Record<string, unknown>[] = [];
    const subscriptions: Subscription[] = [];
    let server: Server | undefined;
    const detector = createDetector({
      config: testConfig({ KAFKA_BROKERS: kafka.bootstrap, ELASTICSEARCH_URL: es.url, DETECTOR_CONSUMER_GROUP: group, DETECTOR_EVALUATION_INTERVAL_MS: 1000 }),
      bus,
      store,
      engine: createDefaultEngine({ DETECTOR_POLICY_FILE: undefined, DETECTOR_DEFAULT_POLICY: undefined }),
      logger,
      registry: createRegistry('detector'),
    });
    try {
      await producer.ensureTopics();
      subscriptions.push(
        await producer.subscribe({
          topics: [TOPICS.verdicts],
          groupId: `verdicts-pe-${run}`,
          fromBeginning: true,
          handler: async (batch: ConsumedMessage[]) => {
            for (const m of batch) if (m.key === key) verdicts.push(verdictSchema.parse(JSON.parse(m.value)));
          },
        }),
        await producer.subscribe({
          topics: [TOPICS.dlq],
          groupId: `dlq-pe-${run}`,
          fromBeginning: true,
          handler: async (batch: ConsumedMessage[]) => {
            for (const m of batch) if (m.key === poisoned || m.key.startsWith(`${poisoned}:`)) letters.push(JSON.parse(m.value) as Record<string, unknown>);
          },
        }),
      );
      await detector.start();
      // A second poison, in the verdicts index: a verdict carrying `overridden` (an object) cannot be
      // stored once that field is mapped as a number. An override is applied by the consumer of
      // rollwatch.events (the command travels in the rollout's partition), so before item 6 this
      // failure was retried for ever and blocked the partition.
      await store.client.indices.putMapping({ index: `${prefix}${INDICES.verdicts}`, properties: { overridden: { type: 'long' } } });
      server = (await listen(detector.app, 0, '127.0.0.1')).server;
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

      // One producer call per step keeps the order within the partition: before, poison, later.
      const send = (events: RollwatchEventInput[]) => producer.publish(TOPICS.events, events.map((e) => ({ key: e.rollout, value: JSON.stringify(e) })));
      await send(before);
      await send([poison]);
      await send(later);
      await send(long);

      const letter = await waitUntil('the poison event on rollwatch.dlq', () => letters[0], 90_000);
      assert.equal(letter.type, 'rollwatch.dlq.message.v1');
      assert.equal(letter.consumer, group);
      assert.equal(letter.sourceTopic, TOPICS.events);
      assert.equal((JSON.parse(letter.value as string) as { id: string }).id, poison.id);
      assert.match(String(letter.error), /store rejected the event: .*400.*(mapper_parsing_exception|document_parsing_exception)/);
      console.log(`# dead letter reason: ${String(letter.error).slice(0, 200)}`);

      // The events after the poison one, in the same partition, are stored: the partition moved on.
      await waitUntil('the later events stored', async () => {
        await store.refresh();
        return (await store.count(INDICES.events, { filters: { rollout: poisoned } })) === before.length + later.length ? true : undefined;
      }, 60_000);
      const stored = (await store.search(INDICES.events, { filters: { rollout: poisoned }, size: 20 })).hits.map((h) => h.id).sort();
      assert.deepEqual(stored, [...before, ...later].map((e) => e.id!).sort());

      // The 256-character key: judged, published, its verdict and anomalies stored under hashed ids.
      const noGo = await waitUntil('no-go for the non-ASCII rollout key', () => verdicts.find((v) => v.decision === 'no-go'), 90_000);
      assert.equal(noGo.rollout, key);
      assert.equal(noGo.revision, revision);
      const verdictId = `${key}:${noGo.sequence}`;
      const doc = await waitUntil('the verdict document', () => store.get(INDICES.verdicts, verdictId), 30_000);
      assert.equal(doc.id, verdictId);
      assert.equal(doc.decision, 'no-go');
      await store.refresh();
      const raw = await store.client.search({ index: `${prefix}${INDICES.verdicts}`, query: { term: { id: verdictId } } });
      assert.equal(raw.hits.hits[0]?._id, storeDocumentId(verdictId));
      assert.match(raw.hits.hits[0]!._id!, /^sha256-[0-9a-f]{64}$/);
      assert.ok((await store.count(INDICES.anomalies, { filters: { rollout: key } })) >= 1, 'anomalies stored');
      assert.equal(await store.count(INDICES.events, { filters: { rollout: rolloutId } }), long.length);

      assert.equal(letters.length, 1, 'only the poison event was dead-lettered');

      // The override: applied and published, its verdict dead-lettered with the reason, and the
      // rollout's partition keeps moving (events sent after it are stored).
      const response = await fetch(`${url}/api/v1/rollouts/${encodeURIComponent(poisoned)}/override`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ decision: 'no-go', by: 'it', reason: 'forced to test a refused verdict write' }),
      });
      assert.equal(response.status, 202);
      assert.equal(((await response.json()) as { verdict?: Verdict }).verdict?.decision, 'no-go', 'the override was applied by the consumer');
      const refused = await waitUntil('the refused verdict on rollwatch.dlq', () => letters.find((l) => l.type === 'rollwatch.dlq.document.v1' && l.index === INDICES.verdicts), 60_000);
      assert.equal(refused.source, 'detector');
      assert.match(String(refused.id), new RegExp(`^${poisoned}:\\d+$`));
      assert.match(String(refused.error), /store rejected the document: .*400.*(mapper_parsing_exception|document_parsing_exception)/);
      assert.equal((JSON.parse(refused.value as string) as Verdict).overridden?.by, 'it');
      console.log(`# refused verdict reason: ${String(refused.error).slice(0, 200)}`);
      const afterOverride: RollwatchEventInput[] = [8, 9].map((i) => ({ id: `${run}-after-override-${i}`, time: at(i), rollout: poisoned, group: 'canary', type: 'container_start', instance: `i-${i}`, service: 'checkout' }));
      await send(afterOverride);
      await waitUntil('events after the override stored', async () => {
        await store.refresh();
        return (await store.count(INDICES.events, { filters: { rollout: poisoned } })) === before.length + later.length + afterOverride.length ? true : undefined;
      }, 60_000);
    } finally {
      if (server) await closeServer(server);
      for (const s of subscriptions) await s.stop();
      await detector.stop();
      await bus.close();
      await producer.close();
      await store.close();
    }
  });
});
