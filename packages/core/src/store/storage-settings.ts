import { FAMILIES, type FamilyName, type KnownFamily } from './families.js';
import { MAPPINGS } from './mappings.js';

/**
 * Who rolls the data streams over and deletes old backing indices:
 * - `ilm`: an index lifecycle policy (`_ilm`, the x-pack plugin of production Elasticsearch).
 * - `data-stream-lifecycle`: Elasticsearch's built-in data stream lifecycle (`lifecycle.data_retention`
 *   on the template; rollover follows the cluster's `cluster.lifecycle.default.rollover`).
 * - `rollwatch`: rollwatch itself, on a timer: a conditional `_rollover` and a delete of backing
 *   indices older than the retention. For clusters with neither of the above (e.g. the integ-test
 *   distribution the test kit runs, which has data streams but no ILM and no lifecycle module).
 * - `none`: nobody (an operator manages it).
 * - `auto`: `ilm` when the cluster has ILM, else `data-stream-lifecycle` when it has that, else `rollwatch`.
 */
export type LifecycleMode = 'auto' | 'ilm' | 'data-stream-lifecycle' | 'rollwatch' | 'none';
export type ResolvedLifecycle = Exclude<LifecycleMode, 'auto'>;

export interface RolloverConditions {
  /** Elasticsearch time unit, e.g. `1d`. */
  maxAge: string;
  /** Elasticsearch byte size, e.g. `50gb` (Elastic's guidance: 10-50 GB per shard). */
  maxPrimaryShardSize: string;
  /** Optional document cap per primary shard (tests use a tiny one). */
  maxPrimaryShardDocs?: number;
}

export interface StorageSettings {
  lifecycle: LifecycleMode;
  /** Elasticsearch time unit, e.g. `14d`: a backing index is deleted this long after its rollover. */
  retention: string;
  rollover: RolloverConditions;
  /** How often the `rollwatch` lifecycle runs (ms). */
  lifecyclePollMs: number;
  shards: Record<FamilyName, number>;
  replicas: Record<FamilyName, number>;
}

const ALL = Object.keys(FAMILIES) as FamilyName[];

/** Production defaults: 1 primary shard and 1 replica per family, 14 days, rollover at 1 day or 50 GB. */
export const DEFAULT_STORAGE: StorageSettings = {
  lifecycle: 'auto',
  retention: '14d',
  rollover: { maxAge: '1d', maxPrimaryShardSize: '50gb' },
  lifecyclePollMs: 5 * 60_000,
  shards: Object.fromEntries(ALL.map((f) => [f, 1])) as Record<FamilyName, number>,
  replicas: Object.fromEntries(ALL.map((f) => [f, 1])) as Record<FamilyName, number>,
};

export function storageSettings(overrides: Partial<StorageSettings> = {}): StorageSettings {
  return {
    ...DEFAULT_STORAGE,
    ...overrides,
    rollover: { ...DEFAULT_STORAGE.rollover, ...overrides.rollover },
    shards: { ...DEFAULT_STORAGE.shards, ...overrides.shards },
    replicas: { ...DEFAULT_STORAGE.replicas, ...overrides.replicas },
  };
}

/**
 * Parses a per-family count: `2` (every family), `events=6,anomalies=2` or `1,events=6`
 * (a bare number is the default for the families not named). Throws naming the bad part.
 */
export function parsePerFamily(value: string, fallback: number): Record<FamilyName, number> {
  const out = Object.fromEntries(ALL.map((f) => [f, fallback])) as Record<FamilyName, number>;
  const named: [FamilyName, number][] = [];
  for (const part of value.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^(?:([a-z]+)\s*=\s*)?(\d+)$/.exec(part);
    if (!m) throw new Error(`"${part}" is not N or family=N`);
    const n = Number(m[2]);
    if (!m[1]) {
      for (const f of ALL) out[f] = n;
      continue;
    }
    if (!(ALL as string[]).includes(m[1])) throw new Error(`unknown index family "${m[1]}" (one of ${ALL.join(', ')})`);
    named.push([m[1] as FamilyName, n]);
  }
  for (const [f, n] of named) out[f] = n;
  return out;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Elasticsearch time units (`500ms`, `30s`, `5m`, `1h`, `14d`) to milliseconds. */
export function durationMs(value: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(value.trim());
  if (!m) throw new Error(`"${value}" is not a duration like 14d, 12h, 30m, 10s or 500ms`);
  return Number(m[1]) * UNIT_MS[m[2]!]!;
}

/** The name of the ILM policy for a (prefixed) data stream family. */
export function ilmPolicyName(dataStream: string): string {
  return `${dataStream}-policy`;
}

/** The ILM policy: roll over in the hot phase by age/size, delete `retention` after the rollover. */
export function ilmPolicy(settings: StorageSettings): Record<string, unknown> {
  return {
    phases: {
      hot: { min_age: '0ms', actions: { rollover: rolloverConditions(settings.rollover, false) } },
      delete: { min_age: settings.retention, actions: { delete: {} } },
    },
  };
}

/** Conditions for `_rollover` (and ILM's rollover action, which takes the same names). */
export function rolloverConditions(rollover: RolloverConditions, withMinDocs = true): Record<string, unknown> {
  const conditions: Record<string, unknown> = { max_age: rollover.maxAge, max_primary_shard_size: rollover.maxPrimaryShardSize };
  if (rollover.maxPrimaryShardDocs !== undefined) conditions.max_primary_shard_docs = rollover.maxPrimaryShardDocs;
  // Never roll an empty write index (two rollwatch replicas ticking at once roll over once).
  if (withMinDocs) conditions.min_docs = 1;
  return conditions;
}

/** The composable index template of one family, as Elasticsearch's `PUT _index_template` body. */
export function indexTemplate(family: KnownFamily, name: string, settings: StorageSettings, lifecycle: ResolvedLifecycle): Record<string, unknown> {
  const indexSettings: Record<string, unknown> = {
    number_of_shards: settings.shards[family.family],
    number_of_replicas: settings.replicas[family.family],
    ...(family.family === 'events' ? { refresh_interval: '1s' } : {}),
  };
  const properties: Record<string, unknown> = { ...MAPPINGS[family.family] };
  const template: Record<string, unknown> = { settings: indexSettings, mappings: { dynamic_templates: KEYWORD_STRINGS, properties } };
  const body: Record<string, unknown> = { index_patterns: [family.kind === 'data-stream' ? name : `${name}*`], priority: 200, template };
  if (family.kind !== 'data-stream') return body;
  properties['@timestamp'] = { type: 'date' };
  body.data_stream = {};
  if (lifecycle === 'ilm') indexSettings['index.lifecycle.name'] = ilmPolicyName(name);
  if (lifecycle === 'data-stream-lifecycle') template.lifecycle = { enabled: true, data_retention: settings.retention };
  return body;
}

const KEYWORD_STRINGS = [{ strings_as_keywords: { match_mapping_type: 'string', mapping: { type: 'keyword', ignore_above: 1024 } } }];

/** Every family's template with the default settings and no lifecycle: the mapping contract for Kibana and users. */
export const INDEX_TEMPLATES: Record<string, { index_patterns: string[]; data_stream?: Record<string, never>; template: Record<string, unknown> }> = Object.fromEntries(
  Object.values(FAMILIES).map((f) => [f.index, indexTemplate(f, f.index, DEFAULT_STORAGE, 'none') as { index_patterns: string[]; template: Record<string, unknown> }]),
);
