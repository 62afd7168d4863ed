import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import kafkajs, { Kafka, logLevel, type Admin } from 'kafkajs';
import { ensureKafka, type KafkaServer } from '@rollwatch/testkit';
import { createLogger, ensureTopicSettings, topicSpecs, type TopicDrift } from '@rollwatch/core';

const { ConfigResourceTypes } = kafkajs;

/**
 * Topic settings on the test kit's real Kafka (one KRaft broker, so replication factor 1): the topics
 * are created with every setting explicit, read back with describeConfigs, and a later change on the
 * cluster is reported as drift naming the topic and the setting.
 */
describe('Kafka topic settings on a real broker', () => {
  let kafka: KafkaServer;
  let admin: Admin;
  before(async () => {
    kafka = await ensureKafka();
    admin = new Kafka({ clientId: 'topic-settings-it', brokers: kafka.brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
  });
  after(async () => {
    await admin?.disconnect();
    await kafka?.stop();
  });

  const run = randomUUID().slice(0, 8);
  const names = { events: `ts-${run}.events`, verdicts: `ts-${run}.verdicts`, actions: `ts-${run}.actions`, dlq: `ts-${run}.dlq` };
  const specs = topicSpecs({ partitions: 3, replicationFactor: 1, retention: { events: '2d' }, maxMessageBytes: 2_097_152 }, names);

  it('creates the topics with their settings and reads them back from the cluster', async () => {
    assert.deepEqual(await ensureTopicSettings(admin, specs), [], 'fresh topics: no drift');
    const described = await admin.describeConfigs({ includeSynonyms: false, resources: specs.map((s) => ({ type: ConfigResourceTypes.TOPIC, name: s.topic })) });
    const config = (topic: string, name: string) => described.resources.find((r) => r.resourceName === topic)?.configEntries.find((e) => e.configName === name)?.configValue;
    assert.equal(config(names.events, 'retention.ms'), String(2 * 86_400_000));
    assert.equal(config(names.events, 'cleanup.policy'), 'delete');
    assert.equal(config(names.events, 'max.message.bytes'), '2097152');
    assert.equal(config(names.events, 'min.insync.replicas'), '1');
    assert.equal(config(names.verdicts, 'cleanup.policy'), 'compact');
    assert.equal(config(names.actions, 'retention.ms'), String(30 * 86_400_000));
    const metadata = await admin.fetchTopicMetadata({ topics: [names.events, names.dlq] });
    assert.deepEqual(metadata.topics.map((t) => [t.name, t.partitions.length]).sort(), [[names.dlq, 1], [names.events, 3]]);
  });

  it('warns naming the drift when the cluster differs', async () => {
    // The legacy AlterConfigs that kafkajs speaks replaces the topic's whole override set: only
    // retention.ms stays overridden, the rest falls back to the broker defaults (more drift, all named).
    await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: names.events, configEntries: [{ name: 'retention.ms', value: '3600000' }] }] });
    const deadline = Date.now() + 15_000;
    for (;;) {
      const now = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: names.events, configNames: ['retention.ms'] }] });
      if (now.resources[0]?.configEntries[0]?.configValue === '3600000') break;
      assert.ok(Date.now() < deadline, 'the altered retention.ms never showed up');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const warnings: string[] = [];
    const logger = createLogger('topic-settings-it', 'warn');
    logger.warn = ((_obj: unknown, message: string) => { warnings.push(message); }) as typeof logger.warn;
    const wanted = topicSpecs({ partitions: 4, replicationFactor: 1, retention: { events: '2d' }, maxMessageBytes: 2_097_152 }, names);
    const drift = await ensureTopicSettings(admin, wanted, logger);
    const expected: TopicDrift[] = [
      { topic: names.events, setting: 'partitions', want: '4', have: '3' },
      { topic: names.events, setting: 'retention.ms', want: String(2 * 86_400_000), have: '3600000' },
      { topic: names.verdicts, setting: 'partitions', want: '4', have: '3' },
      { topic: names.actions, setting: 'partitions', want: '4', have: '3' },
    ];
    assert.deepEqual(drift.filter((d) => d.setting === 'partitions' || d.setting === 'retention.ms'), expected);
    const reset = drift.filter((d) => d.setting !== 'partitions' && d.setting !== 'retention.ms');
    assert.ok(reset.every((d) => d.topic === names.events && d.have !== d.want), JSON.stringify(reset));
    assert.ok(reset.some((d) => d.setting === 'max.message.bytes' && d.want === '2097152'), 'the reset message size is named too');
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, new RegExp(`${names.events.replace('.', '\\.')} retention\\.ms=3600000 \\(rollwatch wants 172800000\\)`));
  });
});
