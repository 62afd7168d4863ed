import type { HealthStatus } from '../bus/interface.js';
import type { SearchResult, Store, StoreDoc, StoreQuery } from './interface.js';

function getPath(doc: Record<string, unknown>, path: string): unknown {
  let value: unknown = doc;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === undefined || a === null) return 1;
  if (b === undefined || b === null) return -1;
  return (a as number | string) < (b as number | string) ? -1 : 1;
}

/** Mirrors what the Elasticsearch store does with a StoreQuery, so both pass the same contract tests. */
export function matches(doc: StoreDoc, query: StoreQuery): boolean {
  for (const [field, want] of Object.entries(query.filters ?? {})) {
    if (want === undefined) continue;
    const value = getPath(doc, field);
    const wanted = Array.isArray(want) ? want : [want];
    if (!wanted.some((w) => w === value)) return false;
  }
  if (query.range) {
    const value = getPath(doc, query.range.field) as string | number | undefined;
    if (value === undefined) return false;
    if (query.range.gte !== undefined && compare(value, query.range.gte) < 0) return false;
    if (query.range.lte !== undefined && compare(value, query.range.lte) > 0) return false;
  }
  if (query.text) {
    const needle = query.text.toLowerCase();
    const haystack = [doc.message, doc.reason, doc.template].filter((v) => typeof v === 'string').join('\n').toLowerCase();
    if (!needle.split(/\s+/).filter(Boolean).every((word) => haystack.includes(word))) return false;
  }
  return true;
}

/**
 * Embedded store for embedded mode: in memory, bounded per index (oldest documents evicted first).
 * Same semantics as the Elasticsearch store above the Store interface; not durable.
 */
export class MemoryStore implements Store {
  readonly kind = 'memory' as const;
  private readonly indices = new Map<string, Map<string, StoreDoc>>();
  /**
   * index -> rollout -> ids. Almost every query names one rollout; without this, per-rollout look-ups
   * scan the whole index and a burst of new rollouts costs O(rollouts²).
   */
  private readonly byRollout = new Map<string, Map<string, Set<string>>>();

  constructor(private readonly maxDocsPerIndex = 200_000) {}

  async ensureIndices(): Promise<void> {}

  async put(index: string, docs: StoreDoc[]): Promise<void> {
    let docsById = this.indices.get(index);
    if (!docsById) this.indices.set(index, (docsById = new Map()));
    for (const doc of docs) {
      this.unindex(index, docsById.get(doc.id));
      docsById.delete(doc.id);
      const copy = structuredClone(doc);
      docsById.set(doc.id, copy);
      this.indexDoc(index, copy);
    }
    while (docsById.size > this.maxDocsPerIndex) {
      const oldest = docsById.keys().next().value as string;
      this.unindex(index, docsById.get(oldest));
      docsById.delete(oldest);
    }
  }

  async get(index: string, id: string): Promise<StoreDoc | undefined> {
    const doc = this.indices.get(index)?.get(id);
    return doc ? structuredClone(doc) : undefined;
  }

  async search(index: string, query: StoreQuery = {}): Promise<SearchResult> {
    const all = [...this.candidates(index, query)].filter((d) => matches(d, query));
    for (const sort of [...(query.sort ?? [])].reverse()) {
      all.sort((a, b) => compare(getPath(a, sort.field), getPath(b, sort.field)) * (sort.order === 'desc' ? -1 : 1));
    }
    const from = query.from ?? 0;
    const size = query.size ?? 100;
    return { total: all.length, hits: all.slice(from, from + size).map((d) => structuredClone(d)) };
  }

  private indexDoc(index: string, doc: StoreDoc): void {
    const rollout = doc.rollout;
    if (typeof rollout !== 'string') return;
    let byValue = this.byRollout.get(index);
    if (!byValue) this.byRollout.set(index, (byValue = new Map()));
    let ids = byValue.get(rollout);
    if (!ids) byValue.set(rollout, (ids = new Set()));
    ids.add(doc.id);
  }

  private unindex(index: string, doc: StoreDoc | undefined): void {
    if (!doc || typeof doc.rollout !== 'string') return;
    const byValue = this.byRollout.get(index);
    const ids = byValue?.get(doc.rollout);
    ids?.delete(doc.id);
    if (ids?.size === 0) byValue!.delete(doc.rollout);
  }

  /** Documents that may match: one rollout's via the index when the query names exactly one. */
  private *candidates(index: string, query: StoreQuery): Iterable<StoreDoc> {
    const docsById = this.indices.get(index);
    if (!docsById) return;
    const rollout = query.filters?.rollout;
    if (typeof rollout === 'string') {
      for (const id of this.byRollout.get(index)?.get(rollout) ?? []) {
        const doc = docsById.get(id);
        if (doc) yield doc;
      }
      return;
    }
    yield* docsById.values();
  }

  async count(index: string, query: StoreQuery = {}): Promise<number> {
    let n = 0;
    for (const doc of this.candidates(index, query)) if (matches(doc, query)) n++;
    return n;
  }

  async terms(index: string, field: string, query: StoreQuery = {}, size = 20): Promise<{ key: string; count: number }[]> {
    const counts = new Map<string, number>();
    for (const doc of this.candidates(index, query)) {
      if (!matches(doc, query)) continue;
      const value = getPath(doc, field);
      if (value === undefined || value === null) continue;
      counts.set(String(value), (counts.get(String(value)) ?? 0) + 1);
    }
    return [...counts.entries()]
      .map(([key, count]) => ({ key, count }))
      .sort((a, b) => b.count - a.count || a.key.localeCompare(b.key))
      .slice(0, size);
  }

  async health(): Promise<HealthStatus> {
    return { ok: true, detail: 'embedded in-memory store' };
  }

  async close(): Promise<void> {}
}
