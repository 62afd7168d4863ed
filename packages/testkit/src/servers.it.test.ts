import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client } from '@elastic/elasticsearch';
import { Kafka, logLevel } from 'kafkajs';
import { ensureElasticsearch, ensureKafka, type ElasticsearchServer, type KafkaServer } from './index.js';

describe('Kafka from the testkit', () => {
  let server: KafkaServer;
  before(async () => { server = await ensureKafka(); });
  after(async () => { await server?.stop(); });

  it('creates a topic, produces idempotently with acks=-1 and consumes the records back', async () => {
    const kafka = new Kafka({ clientId: 'testkit-it', brokers: server.brokers, logLevel: logLevel.WARN });
    const topic = `testkit-it-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
    const admin = kafka.admin();
    await admin.connect();
    try {
      assert.equal(await admin.createTopics({ topics: [{ topic, numPartitions: 2, replicationFactor: 1 }], waitForLeaders: true }), true);
      assert.ok((await admin.listTopics()).includes(topic));
    } finally {
      await admin.disconnect();
    }

    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const sent = Array.from({ length: 20 }, (_, i) => ({ key: `k${i % 4}`, value: JSON.stringify({ i }) }));
    try {
      const res = await producer.send({ topic, acks: -1, messages: sent });
      assert.ok(res.length > 0 && res.every((r) => r.errorCode === 0));
    } finally {
      await producer.disconnect();
    }

    const consumer = kafka.consumer({ groupId: `${topic}-g`, sessionTimeout: 10_000, heartbeatInterval: 1000 });
    await consumer.connect();
    const got: number[] = [];
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`consumed only ${got.length}/20 records in 30 s`)), 30_000);
        void consumer.run({
          eachMessage: async ({ message }) => {
            got.push((JSON.parse(message.value!.toString()) as { i: number }).i);
            if (got.length === sent.length) { clearTimeout(timer); resolve(); }
          },
        }).catch(reject);
      });
    } finally {
      await consumer.disconnect();
    }
    assert.deepEqual([...got].sort((a, b) => a - b), sent.map((_, i) => i));
  });
});

describe('Elasticsearch from the testkit', () => {
  let server: ElasticsearchServer;
  let es: Client;
  before(async () => {
    server = await ensureElasticsearch();
    es = new Client({ node: server.url });
  });
  after(async () => {
    await es?.close();
    await server?.stop();
  });

  it('index template + mapping, bulk index, search and a terms aggregation', async () => {
    const suffix = `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
    await es.indices.putIndexTemplate({
      name: `testkit-tpl-${suffix}`,
      index_patterns: [`testkit-tpl-${suffix}-*`],
      template: { settings: { number_of_shards: 1, number_of_replicas: 0 }, mappings: { properties: { svc: { type: 'keyword' } } } },
    });
    const templated = `testkit-tpl-${suffix}-a`;
    await es.index({ index: templated, document: { svc: 'x' }, refresh: true });
    const tm = await es.indices.getMapping({ index: templated });
    assert.equal((tm[templated]?.mappings.properties?.svc as { type?: string } | undefined)?.type, 'keyword');

    const index = `testkit-it-${suffix}`;
    await es.indices.create({
      index,
      settings: { number_of_shards: 1, number_of_replicas: 0 },
      mappings: { properties: { service: { type: 'keyword' }, latency_ms: { type: 'double' }, at: { type: 'date' }, msg: { type: 'text' } } },
    });
    const docs = Array.from({ length: 30 }, (_, i) => ({ service: ['api', 'web', 'worker'][i % 3], latency_ms: i * 1.5, at: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(), msg: `request ${i} ok` }));
    const bulk = await es.bulk({ refresh: true, operations: docs.flatMap((d) => [{ index: { _index: index } }, d]) });
    assert.equal(bulk.errors, false);

    const res = await es.search({
      index,
      size: 5,
      query: { bool: { filter: [{ term: { service: 'api' } }, { range: { latency_ms: { gte: 10 } } }] } },
      sort: [{ at: 'asc' }],
      aggs: { by_service: { terms: { field: 'service' }, aggs: { p: { avg: { field: 'latency_ms' } } } } },
    });
    const total = typeof res.hits.total === 'number' ? res.hits.total : res.hits.total?.value;
    assert.equal(total, docs.filter((d) => d.service === 'api' && d.latency_ms >= 10).length);
    const all = await es.search({ index, size: 0, aggs: { by_service: { terms: { field: 'service' } } } });
    const buckets = (all.aggregations?.by_service as { buckets: { key: string; doc_count: number }[] }).buckets;
    assert.deepEqual(buckets.map((b) => [b.key, b.doc_count]).sort(), [['api', 10], ['web', 10], ['worker', 10]]);
    const text = await es.search({ index, query: { match: { msg: 'request' } } });
    assert.equal(typeof text.hits.total === 'number' ? text.hits.total : text.hits.total?.value, 30);
  });
});
