import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultMinInsyncReplicas, parseTopicRetention, topicSpecs } from './topic-settings.js';

test('production topics (RF 3): min.insync.replicas 2, explicit retention, compaction, message size', () => {
  const specs = Object.fromEntries(topicSpecs({ partitions: 12, replicationFactor: 3 }).map((s) => [s.topic, s]));
  assert.deepEqual(Object.keys(specs), ['rollwatch.events', 'rollwatch.verdicts', 'rollwatch.actions', 'rollwatch.dlq']);
  assert.deepEqual(specs['rollwatch.events'], {
    topic: 'rollwatch.events',
    numPartitions: 12,
    replicationFactor: 3,
    configs: { 'min.insync.replicas': '2', 'max.message.bytes': '1048576', 'cleanup.policy': 'delete', 'retention.ms': String(7 * 86_400_000), 'segment.ms': '86400000' },
  });
  assert.equal(specs['rollwatch.verdicts']!.configs['cleanup.policy'], 'compact');
  assert.equal(specs['rollwatch.actions']!.configs['retention.ms'], String(30 * 86_400_000));
  assert.equal(specs['rollwatch.dlq']!.numPartitions, 1);
});

test('min.insync.replicas follows the replication factor unless set', () => {
  assert.deepEqual([1, 2, 3, 5].map(defaultMinInsyncReplicas), [1, 1, 2, 2]);
  assert.equal(topicSpecs({ partitions: 1, replicationFactor: 5, minInsyncReplicas: 3 })[0]!.configs['min.insync.replicas'], '3');
});

test('per topic retention parses, rejects unknown topics and bad durations', () => {
  assert.deepEqual(parseTopicRetention('events=3d, dlq=-1'), { events: '3d', dlq: '-1' });
  const specs = topicSpecs({ partitions: 1, replicationFactor: 1, retention: parseTopicRetention('events=12h') });
  assert.equal(specs[0]!.configs['retention.ms'], String(12 * 3_600_000));
  assert.throws(() => parseTopicRetention('evnts=1d'), /unknown topic "evnts"/);
  assert.throws(() => parseTopicRetention('events=1 week'), /not topic=duration|not a duration/);
});
