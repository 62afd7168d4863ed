import { INDICES } from '@rollwatch/contract';

/**
 * How each of rollwatch's index families is stored in Elasticsearch.
 *
 * - `data-stream` families are time series (events, anomalies, the actions audit): append-mostly,
 *   rolled over by size and age and deleted after the retention, so one family is many backing
 *   indices (`.ds-<name>-<date>-<generation>`) behind one name.
 * - `index` families are small and updated in place (verdicts, rollouts, silences, alerts state):
 *   one regular index each, kept forever.
 *
 * Writes (`put`) per family:
 * - `create`: `op_type: create` by id; a conflict means "already stored" (first write wins). Dedupe
 *   holds within one backing index only: a duplicate arriving after a rollover is a second document
 *   in the new write index. Readers collapse on `id`, so it is never seen twice.
 * - `upsert`: the document is first looked up by id in every backing index (real-time multi-get);
 *   found, it is overwritten in the backing index that holds it (with its seq_no/primary_term);
 *   not found, it is created in the write index. No duplicates across rollovers.
 * - `index`: a plain index-by-id on a regular index (last write wins).
 */
export type FamilyName = keyof typeof INDICES;

export interface IndexFamily {
  family: FamilyName | 'other';
  index: string;
  kind: 'data-stream' | 'index';
  write: 'create' | 'upsert' | 'index';
  /** The document field copied into `@timestamp` (data streams need one; Kibana and the retention use it). */
  timestampFields?: string[];
}

/** One of rollwatch's own families (templated, configurable). */
export type KnownFamily = IndexFamily & { family: FamilyName };

export const FAMILIES: Record<FamilyName, KnownFamily> = {
  events: { family: 'events', index: INDICES.events, kind: 'data-stream', write: 'create', timestampFields: ['time', 'receivedAt'] },
  // An anomaly keeps its id while it persists across verdicts, with its latest figures (as before data
  // streams); action documents change status (in-progress -> succeeded/failed/dead). Both are few
  // (one per verdict change / action), so the real-time lookup of an upsert costs little.
  anomalies: { family: 'anomalies', index: INDICES.anomalies, kind: 'data-stream', write: 'upsert', timestampFields: ['detectedAt', 'time'] },
  actions: { family: 'actions', index: INDICES.actions, kind: 'data-stream', write: 'upsert', timestampFields: ['at', 'startedAt'] },
  verdicts: { family: 'verdicts', index: INDICES.verdicts, kind: 'index', write: 'index' },
  rollouts: { family: 'rollouts', index: INDICES.rollouts, kind: 'index', write: 'index' },
  silences: { family: 'silences', index: INDICES.silences, kind: 'index', write: 'index' },
  // One document per (consumer group, partition), overwritten at every checkpoint.
  checkpoints: { family: 'checkpoints', index: INDICES.checkpoints, kind: 'index', write: 'index' },
};

const BY_INDEX = new Map(Object.values(FAMILIES).map((f) => [f.index, f]));

/** The family of an (unprefixed) index name; unknown names (e.g. the alerts state index) are plain indices. */
export function familyOf(index: string): IndexFamily {
  return BY_INDEX.get(index) ?? { family: 'other', index, kind: 'index', write: 'index' };
}

export function isDataStream(index: string): boolean {
  return BY_INDEX.get(index)?.kind === 'data-stream';
}

/** Where a plain index that held a data-stream family before the migration lives on (read-only). */
export function legacyIndexName(dataStream: string): string {
  return `${dataStream}-legacy`;
}

/** The field stored as `@timestamp`: the first of the family's time fields the document has, else now. */
export function timestampOf(family: IndexFamily, doc: Record<string, unknown>, now: () => Date = () => new Date()): string {
  for (const field of family.timestampFields ?? []) {
    const value = doc[field];
    if (typeof value === 'string' && value !== '') return value;
    if (typeof value === 'number' && Number.isFinite(value)) return new Date(value).toISOString();
  }
  return now().toISOString();
}
