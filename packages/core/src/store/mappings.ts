import { INDICES } from '../topics.js';

const keywordStrings = [{ strings_as_keywords: { match_mapping_type: 'string', mapping: { type: 'keyword', ignore_above: 1024 } } }];

/** One index template: a single shard (rollwatch's indices are small and many), explicit mappings. */
function indexTemplate(index: string, properties: Record<string, unknown>, settings: Record<string, unknown> = {}) {
  return {
    index_patterns: [`${index}*`],
    template: {
      settings: { number_of_shards: 1, number_of_replicas: 0, ...settings },
      mappings: { dynamic_templates: keywordStrings, properties },
    },
  };
}

/** Index templates with explicit mappings: a public contract for Kibana and users' queries. */
export const INDEX_TEMPLATES: Record<string, { index_patterns: string[]; template: Record<string, unknown> }> = {
  [INDICES.events]: indexTemplate(INDICES.events, {
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
    hostAttributes: { type: 'object', dynamic: true },
    labels: { type: 'object', dynamic: true },
  }, { refresh_interval: '1s' }),
  [INDICES.anomalies]: indexTemplate(INDICES.anomalies, {
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
  }),
  [INDICES.verdicts]: indexTemplate(INDICES.verdicts, {
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
  }),
  [INDICES.actions]: indexTemplate(INDICES.actions, {
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
  }),
  [INDICES.rollouts]: indexTemplate(INDICES.rollouts, {
    id: { type: 'keyword' },
    service: { type: 'keyword' },
    registeredAt: { type: 'date' },
    // Inline policies and labels are returned as written, not searched.
    policy: { type: 'object', enabled: false },
    spec: { type: 'object', enabled: false },
  }),
  [INDICES.silences]: indexTemplate(INDICES.silences, {
    id: { type: 'keyword' },
    createdBy: { type: 'keyword' },
    startsAt: { type: 'date' },
    endsAt: { type: 'date' },
    comment: { type: 'text' },
    matchers: { type: 'object', enabled: false },
  }),
  [INDICES.checkpoints]: indexTemplate(INDICES.checkpoints, {
    id: { type: 'keyword' },
    group: { type: 'keyword' },
    partition: { type: 'integer' },
    offset: { type: 'long' },
    rollouts: { type: 'integer' },
    at: { type: 'date' },
    // The engine snapshot as JSON text: stored, never indexed.
    snapshot: { type: 'text', index: false },
  }),
};
