import type { FamilyName } from './families.js';

/**
 * Explicit mappings per index family: a public contract for Kibana and users' queries. Settings
 * (shards, replicas, lifecycle) and the data stream `@timestamp` are added by `indexTemplate()`.
 */
export const MAPPINGS: Record<FamilyName, Record<string, unknown>> = {
  events: {
    id: { type: 'keyword' },
    time: { type: 'date' },
    receivedAt: { type: 'date' },
    rollout: { type: 'keyword' },
    group: { type: 'keyword' },
    type: { type: 'keyword' },
    instance: { type: 'keyword' },
    host: { type: 'keyword' },
    service: { type: 'keyword' },
    version: { type: 'keyword' },
    source: { type: 'keyword' },
    exitCode: { type: 'integer' },
    message: { type: 'text', fields: { keyword: { type: 'keyword', ignore_above: 1024 } } },
    level: { type: 'keyword' },
    metric: { type: 'keyword' },
    value: { type: 'double' },
    templateId: { type: 'keyword' },
    /** The rollwatch.events partition it was consumed from (the detector that owns it restores from it). */
    partition: { type: 'integer' },
    /** Its offset in that partition (a restore replays what follows its checkpoint's offset). */
    offset: { type: 'long' },
    // Free-form maps (Kubernetes labels, node attributes): one `flattened` field each, so a fleet's
    // thousands of label keys never hit the index's field limit (which would reject events).
    hostAttributes: { type: 'flattened', ignore_above: 1024 },
    labels: { type: 'flattened', ignore_above: 1024 },
  },
  anomalies: {
    id: { type: 'keyword' },
    rollout: { type: 'keyword' },
    service: { type: 'keyword' },
    signal: { type: 'keyword' },
    severity: { type: 'keyword' },
    message: { type: 'text' },
    time: { type: 'date' },
    detectedAt: { type: 'date' },
    canary: { type: 'double' },
    baseline: { type: 'double' },
    pValue: { type: 'double' },
    effectSize: { type: 'double' },
    threshold: { type: 'double' },
    cause: { type: 'keyword' },
    template: { type: 'text' },
    example: { type: 'text' },
  },
  verdicts: {
    id: { type: 'keyword' },
    rollout: { type: 'keyword' },
    service: { type: 'keyword' },
    decision: { type: 'keyword' },
    score: { type: 'double' },
    sequence: { type: 'long' },
    evaluatedAt: { type: 'date' },
    noGoAt: { type: 'date' },
    cause: { type: 'keyword' },
    // Reasons are shown, not searched: keep them out of the mapping.
    reasons: { type: 'object', enabled: false },
  },
  actions: {
    id: { type: 'keyword' },
    rollout: { type: 'keyword' },
    kind: { type: 'keyword' },
    target: { type: 'keyword' },
    status: { type: 'keyword' },
    decision: { type: 'keyword' },
    verdictSequence: { type: 'long' },
    reason: { type: 'text' },
    at: { type: 'date' },
    attempts: { type: 'integer' },
    responseCode: { type: 'integer' },
    error: { type: 'text' },
    by: { type: 'keyword' },
  },
  rollouts: {
    id: { type: 'keyword' },
    service: { type: 'keyword' },
    registeredAt: { type: 'date' },
    // Inline policies and labels are returned as written, not searched.
    policy: { type: 'object', enabled: false },
    spec: { type: 'object', enabled: false },
  },
  silences: {
    id: { type: 'keyword' },
    createdBy: { type: 'keyword' },
    startsAt: { type: 'date' },
    endsAt: { type: 'date' },
    comment: { type: 'text' },
    matchers: { type: 'object', enabled: false },
  },
  checkpoints: {
    id: { type: 'keyword' },
    group: { type: 'keyword' },
    partition: { type: 'integer' },
    offset: { type: 'long' },
    rollouts: { type: 'integer' },
    at: { type: 'date' },
    // The engine snapshot as JSON text: stored, never indexed.
    snapshot: { type: 'text', index: false },
    // The detector's revision index entries of the partition's rollouts: returned, never searched.
    revisions: { type: 'object', enabled: false },
  },
};
