/** Kafka topics: a public contract. */
export const TOPICS = {
  /** Event schema v1; key = rollout so one rollout's events stay ordered on one partition. */
  events: 'rollwatch.events',
  /** Verdicts; compacted, key = rollout (the latest verdict per rollout survives). */
  verdicts: 'rollwatch.verdicts',
  /** Audit of actions taken (notifications, pauses, rollbacks). */
  actions: 'rollwatch.actions',
  /** Messages that could not be processed or delivered after the last retry. */
  dlq: 'rollwatch.dlq',
} as const;
export type TopicName = (typeof TOPICS)[keyof typeof TOPICS];

/** Elasticsearch indices (plain indices with index templates and explicit mappings). */
export const INDICES = {
  events: 'rollwatch-events',
  anomalies: 'rollwatch-anomalies',
  verdicts: 'rollwatch-verdicts',
  actions: 'rollwatch-actions',
  /** Rollouts registered through the API (id, service, policy, expected instances). */
  rollouts: 'rollwatch-rollouts',
  /** Alert silences (they survive restarts). */
  silences: 'rollwatch-silences',
  /** Detector checkpoints: per consumer group and partition, an engine snapshot and the offset it covers. */
  checkpoints: 'rollwatch-checkpoints',
} as const;
