import type { HealthStatus } from '../bus/interface.js';

export type StoreDoc = Record<string, unknown> & { id: string };
type Scalar = string | number | boolean;

export interface StoreQuery {
  /** Exact matches on (dotted) fields; an array means "any of". */
  filters?: Record<string, Scalar | Scalar[] | undefined>;
  range?: { field: string; gte?: string | number; lte?: string | number };
  /** Case-insensitive substring/full-text match on `message` and other text fields. */
  text?: string;
  sort?: { field: string; order: 'asc' | 'desc' }[];
  from?: number;
  size?: number;
}

export interface SearchResult {
  total: number;
  hits: StoreDoc[];
}

/** Durable storage for events, anomalies, verdicts and actions: Elasticsearch or embedded. */
export interface Store {
  readonly kind: 'elasticsearch' | 'memory';
  /** Creates index templates and indices. Idempotent. */
  ensureIndices(): Promise<void>;
  /**
   * Writes by id: writing the same id twice stores one document (idempotent replays). In
   * Elasticsearch the events keep the first write, and a replay landing
   * after a rollover is a second copy that every read below collapses on `id` (docs/storage.md).
   */
  put(index: string, docs: StoreDoc[]): Promise<void>;
  get(index: string, id: string): Promise<StoreDoc | undefined>;
  search(index: string, query?: StoreQuery): Promise<SearchResult>;
  count(index: string, query?: StoreQuery): Promise<number>;
  /** Top values of a keyword field with their document counts. */
  terms(index: string, field: string, query?: StoreQuery, size?: number): Promise<{ key: string; count: number }[]>;
  health(): Promise<HealthStatus>;
  close(): Promise<void>;
}
