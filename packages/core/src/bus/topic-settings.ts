import kafkajs, { type Admin } from 'kafkajs';
import type { Logger } from 'pino';
import { durationMs } from '../store/storage-settings.js';
import { TOPICS } from '@rollwatch/contract';

// kafkajs is CommonJS and this enum is not one of the names Node detects as named exports.
const { ConfigResourceTypes } = kafkajs;

/**
 * Explicit settings for rollwatch's Kafka topics, instead of whatever the broker defaults to.
 * Created when missing; when a topic exists, what the cluster has is compared with what rollwatch
 * would create and every difference is named in a warning (rollwatch never alters a live topic:
 * an operator may have changed it on purpose; `kafka-configs.sh --alter` applies the wanted values).
 */
export type TopicKey = keyof typeof TOPICS;

export interface TopicSpec {
  topic: string;
  numPartitions: number;
  replicationFactor: number;
  configs: Record<string, string>;
}

export interface TopicSettingsOptions {
  partitions: number;
  replicationFactor: number;
  /** `min.insync.replicas`; unset: 2 when the replication factor is 3 or more, else RF-1 (at least 1). */
  minInsyncReplicas?: number;
  /** Per topic retention (Elasticsearch-style durations, `-1` forever); see DEFAULT_TOPIC_RETENTION. */
  retention?: Partial<Record<TopicKey, string>>;
  /** `max.message.bytes` of every topic (a producer batch after compression must fit). */
  maxMessageBytes?: number;
}

/**
 * Events are replayable for a week (the detector re-reads them after an outage; Elasticsearch keeps
 * them for the ROLLWATCH_RETENTION_DAYS); the actions audit and dead letters for 30 days, long
 * enough for a person to look. Verdicts are compacted: the latest verdict per rollout stays forever.
 */
export const DEFAULT_TOPIC_RETENTION: Record<TopicKey, string> = { events: '7d', verdicts: '-1', actions: '30d', dlq: '30d' };
export const DEFAULT_MAX_MESSAGE_BYTES = 1_048_576;

export function defaultMinInsyncReplicas(replicationFactor: number): number {
  return replicationFactor >= 3 ? 2 : Math.max(1, replicationFactor - 1);
}

function retentionMs(value: string): string {
  return value.trim() === '-1' ? '-1' : String(durationMs(value));
}

/** The topics rollwatch creates, with every setting explicit. */
export function topicSpecs(options: TopicSettingsOptions, names: Record<TopicKey, string> = TOPICS): TopicSpec[] {
  const retention = { ...DEFAULT_TOPIC_RETENTION, ...options.retention };
  const common = {
    'min.insync.replicas': String(options.minInsyncReplicas ?? defaultMinInsyncReplicas(options.replicationFactor)),
    'max.message.bytes': String(options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES),
  };
  // Retention deletes whole segments: roll one a day so a quiet topic still ages out.
  const deleting = (key: TopicKey) => ({ ...common, 'cleanup.policy': 'delete', 'retention.ms': retentionMs(retention[key]), 'segment.ms': String(86_400_000) });
  return [
    { topic: names.events, numPartitions: options.partitions, replicationFactor: options.replicationFactor, configs: deleting('events') },
    {
      topic: names.verdicts,
      numPartitions: options.partitions,
      replicationFactor: options.replicationFactor,
      // Compaction only cleans closed segments: an hour keeps the log of a quiet fleet short.
      configs: { ...common, 'cleanup.policy': 'compact', 'retention.ms': retentionMs(retention.verdicts), 'segment.ms': String(3_600_000) },
    },
    { topic: names.actions, numPartitions: options.partitions, replicationFactor: options.replicationFactor, configs: deleting('actions') },
    { topic: names.dlq, numPartitions: 1, replicationFactor: options.replicationFactor, configs: deleting('dlq') },
  ];
}

/** Parses `events=7d,actions=30d` (unnamed topics keep their default). Throws naming the bad part. */
export function parseTopicRetention(value: string): Partial<Record<TopicKey, string>> {
  const out: Partial<Record<TopicKey, string>> = {};
  for (const part of value.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^([a-z]+)\s*=\s*(\S+)$/.exec(part);
    if (!m) throw new Error(`"${part}" is not topic=duration`);
    if (!(m[1]! in TOPICS)) throw new Error(`unknown topic "${m[1]}" (one of ${Object.keys(TOPICS).join(', ')})`);
    retentionMs(m[2]!);
    out[m[1] as TopicKey] = m[2]!;
  }
  return out;
}

export interface TopicDrift {
  topic: string;
  setting: string;
  want: string;
  have: string;
}

/** What the cluster has that differs from the specs (partitions, replication factor, configs). */
export async function topicDrift(admin: Admin, specs: TopicSpec[]): Promise<TopicDrift[]> {
  const drift: TopicDrift[] = [];
  const metadata = await admin.fetchTopicMetadata({ topics: specs.map((s) => s.topic) });
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: specs.map((s) => ({ type: ConfigResourceTypes.TOPIC, name: s.topic, configNames: Object.keys(s.configs) })),
  });
  for (const spec of specs) {
    const meta = metadata.topics.find((t) => t.name === spec.topic);
    if (meta) {
      // More partitions than asked is fine for ordering per key only if set up that way: report it anyway.
      if (meta.partitions.length !== spec.numPartitions) drift.push({ topic: spec.topic, setting: 'partitions', want: String(spec.numPartitions), have: String(meta.partitions.length) });
      const rf = meta.partitions.reduce((lo, p) => Math.min(lo, p.replicas.length), Infinity);
      if (rf !== spec.replicationFactor) drift.push({ topic: spec.topic, setting: 'replication.factor', want: String(spec.replicationFactor), have: String(rf) });
    }
    const entries = described.resources.find((r) => r.resourceName === spec.topic)?.configEntries ?? [];
    for (const [setting, want] of Object.entries(spec.configs)) {
      const have = entries.find((e) => e.configName === setting)?.configValue ?? '(unset)';
      if (have !== want) drift.push({ topic: spec.topic, setting, want, have });
    }
  }
  return drift;
}

/** Creates the missing topics with their settings, then warns about any drift of the existing ones. */
export async function ensureTopicSettings(admin: Admin, specs: TopicSpec[], logger?: Logger): Promise<TopicDrift[]> {
  const existing = new Set(await admin.listTopics());
  const missing = specs.filter((s) => !existing.has(s.topic));
  if (missing.length > 0) {
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((s) => ({ topic: s.topic, numPartitions: s.numPartitions, replicationFactor: s.replicationFactor, configEntries: Object.entries(s.configs).map(([name, value]) => ({ name, value })) })),
    });
  }
  const drift = await topicDrift(admin, specs);
  if (drift.length > 0) {
    const named = drift.map((d) => `${d.topic} ${d.setting}=${d.have} (rollwatch wants ${d.want})`).join('; ');
    logger?.warn({ drift }, `kafka topic settings differ from rollwatch's: ${named}`);
  }
  return drift;
}
