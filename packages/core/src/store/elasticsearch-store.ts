import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Client, errors as esErrors } from '@elastic/elasticsearch';

type ClientOptions = ConstructorParameters<typeof Client>[0];
import type { Logger } from 'pino';
import type { HealthStatus } from '../bus/interface.js';
import { RejectedError, RollwatchError, UnavailableError, isPermanentStatus } from '@rollwatch/contract';
import { backingIndices, detectLifecycle, ensureDataStream, verifyLifecycle, migratePlainIndex, runRollwatchLifecycle, type LifecycleReport } from './es-lifecycle.js';
import { FAMILIES, familyOf, legacyIndexName, timestampOf } from './families.js';
import type { SearchResult, Store, StoreDoc, StoreQuery } from './interface.js';
import { ilmPolicy, ilmPolicyName, indexTemplate, storageSettings, type ResolvedLifecycle, type StorageSettings } from './storage-settings.js';

/** Elasticsearch refuses `_id`s over 512 bytes. */
export const MAX_DOCUMENT_ID_BYTES = 512;

/**
 * The `_id` a document is stored under: its own id when that fits, else a hash of it (the `id`
 * field keeps the original). Ids are built from producer-chosen names (`<rollout>:<sequence>`), so
 * without this a long non-ASCII rollout id made every write of its verdicts fail for ever.
 */
export function storeDocumentId(id: string): string {
  if (Buffer.byteLength(id, 'utf8') <= MAX_DOCUMENT_ID_BYTES) return id;
  return `sha256-${createHash('sha256').update(id).digest('hex')}`;
}

export interface ElasticsearchStoreOptions {
  url: string;
  username?: string;
  password?: string;
  apiKey?: string;
  caFile?: string;
  /** Index name prefix for tests that share one cluster. */
  prefix?: string;
  /** Make writes visible to search before put() resolves (tests, read-your-writes APIs). */
  refreshOnWrite?: boolean;
  /** Shards, replicas, retention, rollover and lifecycle (defaults: production, see DEFAULT_STORAGE). */
  storage?: Partial<StorageSettings>;
  logger?: Logger;
}

/** Up to this many distinct ids a cardinality count is exact in practice (Elasticsearch's maximum precision). */
const EXACT_DISTINCT = 40_000;
/** How long a data stream's list of backing indices is reused (see `backing()`). */
const BACKING_TTL_MS = 5_000;

const TEXT_FIELDS = ['message', 'reason', 'template', 'example'];

/** Translates a StoreQuery into Elasticsearch's query DSL (same semantics as the memory store). */
export function toEsQuery(query: StoreQuery): Record<string, unknown> {
  const filter: unknown[] = [];
  for (const [field, want] of Object.entries(query.filters ?? {})) {
    if (want === undefined) continue;
    filter.push(Array.isArray(want) ? { terms: { [field]: want } } : { term: { [field]: want } });
  }
  if (query.range) {
    const range: Record<string, unknown> = {};
    if (query.range.gte !== undefined) range.gte = query.range.gte;
    if (query.range.lte !== undefined) range.lte = query.range.lte;
    filter.push({ range: { [query.range.field]: range } });
  }
  const must: unknown[] = [];
  if (query.text) {
    must.push({ simple_query_string: { query: query.text, fields: TEXT_FIELDS, default_operator: 'and', lenient: true } });
  }
  return { bool: { filter, must } };
}

function wrap(error: unknown, what: string): Error {
  if (error instanceof esErrors.ResponseError) {
    const status = error.statusCode ?? 0;
    if (isPermanentStatus(status)) return new RejectedError(`elasticsearch ${what} rejected (${status}): ${error.message}`, { status, cause: error });
    return new UnavailableError(`elasticsearch ${what} failed (${status}): ${error.message}`, { cause: error });
  }
  return new UnavailableError(`elasticsearch ${what} failed: ${(error as Error).message}`, { cause: error });
}

function withoutTimestamp(doc: StoreDoc | undefined): StoreDoc | undefined {
  if (!doc || !('@timestamp' in doc)) return doc;
  const { '@timestamp': _, ...rest } = doc;
  return rest as StoreDoc;
}

function distinctTotal(total: number, aggregations: unknown): number {
  const distinct = (aggregations as { distinct?: { value?: number } } | undefined)?.distinct?.value;
  return distinct !== undefined && total <= EXACT_DISTINCT ? distinct : total;
}

export class ElasticsearchStore implements Store {
  readonly kind = 'elasticsearch' as const;
  readonly client: Client;
  private readonly prefix: string;
  readonly storage: StorageSettings;
  private detected: Promise<ResolvedLifecycle> | undefined;
  private lifecycleTimer: NodeJS.Timeout | undefined;
  private readonly backingCache = new Map<string, { at: number; indices: string[] }>();

  constructor(private readonly options: ElasticsearchStoreOptions) {
    const clientOptions: ClientOptions = { node: options.url, requestTimeout: 10_000, maxRetries: 1 };
    if (options.apiKey) clientOptions.auth = { apiKey: options.apiKey };
    else if (options.username && options.password) clientOptions.auth = { username: options.username, password: options.password };
    if (options.caFile) clientOptions.tls = { ca: readFileSync(options.caFile, 'utf8') };
    this.client = new Client(clientOptions);
    this.prefix = options.prefix ?? '';
    this.storage = storageSettings(options.storage);
  }

  /** What readers search: a data stream plus the legacy index a migration may have left. */
  private readName(index: string): string {
    const name = this.name(index);
    return familyOf(index).kind === 'data-stream' ? `${name},${legacyIndexName(name)}` : name;
  }

  private name(index: string): string {
    return `${this.prefix}${index}`;
  }

  /**
   * Templates (data streams for the time series, regular indices for the rest), the lifecycle
   * (ILM policy, data stream lifecycle or rollwatch's own timer), the migration of plain indices
   * left by older versions, and the regular indices themselves. Idempotent.
   */
  async ensureIndices(): Promise<void> {
    try {
      const lifecycle = await this.resolveLifecycle();
      await verifyLifecycle(this.client, lifecycle);
      for (const family of Object.values(FAMILIES)) {
        const name = this.name(family.index);
        if (family.kind === 'data-stream' && lifecycle === 'ilm') {
          await this.client.ilm.putLifecycle({ name: ilmPolicyName(name), policy: ilmPolicy(this.storage) as never });
        }
        const body = indexTemplate(family, name, this.storage, lifecycle);
        await this.client.indices.putIndexTemplate({ name, ...(body as object) });
        if (family.kind === 'data-stream') {
          if (await migratePlainIndex(this.client, name)) this.options.logger?.warn({ index: name, legacy: legacyIndexName(name) }, 'migrated a plain index to a data stream (the old documents stay readable in the legacy index)');
          await ensureDataStream(this.client, name);
          continue;
        }
        const exists = await this.client.indices.exists({ index: name });
        if (!exists) {
          await this.client.indices.create({ index: name }).catch((error: unknown) => {
            if (!(error instanceof esErrors.ResponseError && error.body?.error?.type === 'resource_already_exists_exception')) throw error;
          });
        }
      }
      if (lifecycle === 'rollwatch') this.startLifecycleTimer();
    } catch (error) {
      if (error instanceof RollwatchError) throw error;
      throw wrap(error, 'ensureIndices');
    }
  }

  /** The lifecycle in force (`auto` is resolved against the cluster once). */
  async resolveLifecycle(): Promise<ResolvedLifecycle> {
    if (this.storage.lifecycle !== 'auto') return this.storage.lifecycle;
    this.detected ??= detectLifecycle(this.client).catch((error: unknown) => {
      this.detected = undefined;
      throw error;
    });
    return this.detected;
  }

  /** One pass of rollwatch's own lifecycle (rollover + retention) over the data streams. */
  async runLifecycle(now = Date.now()): Promise<LifecycleReport> {
    const dataStreams = Object.values(FAMILIES).filter((f) => f.kind === 'data-stream').map((f) => this.name(f.index));
    try {
      return await runRollwatchLifecycle(this.client, dataStreams, this.storage, now);
    } finally {
      this.backingCache.clear();
    }
  }

  private startLifecycleTimer(): void {
    if (this.lifecycleTimer) return;
    this.lifecycleTimer = setInterval(() => {
      this.runLifecycle().then(
        (report) => {
          if (report.rolledOver.length + report.deleted.length > 0) this.options.logger?.info(report, 'elasticsearch lifecycle: rolled over / deleted backing indices');
        },
        (error: unknown) => this.options.logger?.warn({ err: (error as Error).message }, 'elasticsearch lifecycle pass failed; next pass retries'),
      );
    }, this.storage.lifecyclePollMs);
    this.lifecycleTimer.unref();
  }

  async put(index: string, docs: StoreDoc[]): Promise<void> {
    if (docs.length === 0) return;
    const family = familyOf(index);
    const name = this.name(index);
    let operations: unknown[];
    try {
      if (family.write === 'index') {
        operations = docs.flatMap((doc) => [{ index: { _index: name, _id: storeDocumentId(doc.id) } }, doc]);
      } else if (family.write === 'create') {
        operations = docs.flatMap((doc) => [{ create: { _index: name, _id: storeDocumentId(doc.id) } }, { ...doc, '@timestamp': timestampOf(family, doc) }]);
      } else {
        // Upsert: overwrite where the id already lives (any backing index), else create in the write index.
        const found = await this.locate(index, docs.map((d) => d.id));
        operations = docs.flatMap((doc): unknown[] => {
          const at = found.get(doc.id);
          const source = { ...doc, '@timestamp': timestampOf(family, doc) };
          return at && !at.legacy
            ? [{ index: { _index: at.index, _id: storeDocumentId(doc.id), if_seq_no: at.seqNo, if_primary_term: at.primaryTerm } }, source]
            : [{ create: { _index: name, _id: storeDocumentId(doc.id) } }, source];
        });
      }
    } catch (error) {
      throw wrap(error, 'bulk');
    }
    let response;
    try {
      response = await this.client.bulk({ refresh: this.options.refreshOnWrite ? 'wait_for' : false, operations });
    } catch (error) {
      throw wrap(error, 'bulk');
    }
    if (!response.errors) return;
    const results = response.items.map((item) => item.index ?? item.create);
    // A create conflict is "already stored" (idempotent replay); an upsert's conflict lost a race: retry.
    const failed = results.flatMap((r, i) => (r?.error && !(family.write === 'create' && r.status === 409) ? [{ result: r, doc: docs[i]! }] : []));
    if (failed.length === 0) return;
    if (family.write === 'upsert' && failed.some((f) => f.result.status === 409)) this.backingCache.delete(name);
    const describe = (f: (typeof failed)[number]): string => `${f.result.status} ${f.result.error?.type}: ${f.result.error?.reason}`;
    const transient = failed.filter((f) => f.result.status === 409 || !isPermanentStatus(f.result.status));
    // Writes are by id, so retrying a partially failed bulk is safe (no duplicates). Transient item
    // errors win: once only the documents' own faults are left, they are named for the dead letter.
    if (transient.length > 0) throw new UnavailableError(`elasticsearch bulk: ${failed.length}/${docs.length} failed; first: ${describe(transient[0]!)}`);
    const first = failed[0]!;
    throw new RejectedError(`elasticsearch bulk: ${failed.length}/${docs.length} rejected; first: id ${first.doc.id}: ${describe(first)}`, { status: first.result.status, ids: failed.map((f) => f.doc.id) });
  }

  /**
   * Where each id lives in a data stream, by a real-time multi-get over its backing indices (newest
   * first, then the legacy index): the newest copy wins.
   */
  private async locate(index: string, ids: string[], fresh = false): Promise<Map<string, { index: string; seqNo: number; primaryTerm: number; source: StoreDoc; legacy: boolean }>> {
    const name = this.name(index);
    const legacy = legacyIndexName(name);
    const indices = [...(await this.backing(name, fresh)).reverse(), legacy];
    const found = new Map<string, { index: string; seqNo: number; primaryTerm: number; source: StoreDoc; legacy: boolean }>();
    const response = await this.client.mget<StoreDoc>({ docs: indices.flatMap((i) => ids.map((id) => ({ _index: i, _id: storeDocumentId(id) }))) });
    for (const doc of response.docs) {
      // Keyed by the document's own id (its _id may be a hash of it: storeDocumentId).
      const key = (doc as { _source?: StoreDoc })._source?.id ?? doc._id;
      if (!('found' in doc) || !doc.found || found.has(key)) continue;
      found.set(key, { index: doc._index, seqNo: doc._seq_no!, primaryTerm: doc._primary_term!, source: doc._source!, legacy: doc._index === legacy });
    }
    return found;
  }

  /**
   * A data stream's backing indices, cached for BACKING_TTL_MS for upserts: the list only changes at
   * a rollover (this store's own lifecycle pass clears the cache), and an upsert that missed a newer
   * backing index creates into the write index, gets a 409, clears the cache and is retried. `get`
   * always resolves afresh: a stale miss there could make the alerts' exactly-once act twice.
   */
  private async backing(dataStream: string, fresh = false): Promise<string[]> {
    const cached = this.backingCache.get(dataStream);
    if (!fresh && cached && Date.now() - cached.at < BACKING_TTL_MS) return cached.indices;
    const indices = await backingIndices(this.client, dataStream);
    if (indices.length > 0) this.backingCache.set(dataStream, { at: Date.now(), indices });
    return indices;
  }

  async get(index: string, id: string): Promise<StoreDoc | undefined> {
    try {
      if (familyOf(index).kind === 'data-stream') return withoutTimestamp((await this.locate(index, [id], true)).get(id)?.source);
      const response = await this.client.get<StoreDoc>({ index: this.name(index), id: storeDocumentId(id) }, { ignore: [404] });
      return response.found ? response._source : undefined;
    } catch (error) {
      if (error instanceof esErrors.ResponseError && error.statusCode === 404) return undefined;
      throw wrap(error, 'get');
    }
  }

  /**
   * Data streams: one hit per `id` (collapse), so a duplicate written after a rollover is never seen
   * twice; `total` counts distinct ids (exact up to 40,000, then the document count).
   */
  async search(index: string, query: StoreQuery = {}): Promise<SearchResult> {
    const dataStream = familyOf(index).kind === 'data-stream';
    try {
      const response = await this.client.search<StoreDoc>({
        index: this.readName(index),
        query: toEsQuery(query),
        from: query.from ?? 0,
        size: query.size ?? 100,
        sort: (query.sort ?? []).map((s) => ({ [s.field]: { order: s.order, unmapped_type: 'keyword' } })),
        track_total_hits: true,
        ignore_unavailable: true,
        ...(dataStream ? { collapse: { field: 'id' }, aggs: { distinct: { cardinality: { field: 'id', precision_threshold: EXACT_DISTINCT } } } } : {}),
      });
      const total = typeof response.hits.total === 'number' ? response.hits.total : (response.hits.total?.value ?? 0);
      const hits = response.hits.hits.map((h) => withoutTimestamp(h._source)).filter((h): h is StoreDoc => h !== undefined);
      return { total: dataStream ? distinctTotal(total, response.aggregations) : total, hits };
    } catch (error) {
      throw wrap(error, 'search');
    }
  }

  async count(index: string, query: StoreQuery = {}): Promise<number> {
    try {
      if (familyOf(index).kind === 'data-stream') {
        const response = await this.client.search({
          index: this.readName(index),
          size: 0,
          query: toEsQuery(query),
          track_total_hits: true,
          ignore_unavailable: true,
          aggs: { distinct: { cardinality: { field: 'id', precision_threshold: EXACT_DISTINCT } } },
        });
        const total = typeof response.hits.total === 'number' ? response.hits.total : (response.hits.total?.value ?? 0);
        return distinctTotal(total, response.aggregations);
      }
      const response = await this.client.count({ index: this.name(index), query: toEsQuery(query), ignore_unavailable: true });
      return response.count;
    } catch (error) {
      throw wrap(error, 'count');
    }
  }

  /** Data streams count distinct ids per value, so cross-rollover duplicates do not inflate a bucket. */
  async terms(index: string, field: string, query: StoreQuery = {}, size = 20): Promise<{ key: string; count: number }[]> {
    const dataStream = familyOf(index).kind === 'data-stream';
    try {
      const response = await this.client.search({
        index: this.readName(index),
        size: 0,
        query: toEsQuery(query),
        aggs: { values: { terms: { field, size }, ...(dataStream ? { aggs: { distinct: { cardinality: { field: 'id', precision_threshold: EXACT_DISTINCT } } } } : {}) } },
        ignore_unavailable: true,
      });
      type Bucket = { key: string | number; doc_count: number; distinct?: { value: number } };
      const buckets = (response.aggregations?.values as { buckets?: Bucket[] } | undefined)?.buckets ?? [];
      return buckets.map((b) => ({ key: String(b.key), count: b.distinct && b.doc_count <= EXACT_DISTINCT ? b.distinct.value : b.doc_count }));
    } catch (error) {
      throw wrap(error, 'terms');
    }
  }

  /** Makes recent writes searchable now (tests and read-your-writes paths). */
  async refresh(index?: string): Promise<void> {
    await this.client.indices.refresh({ index: index ? this.name(index) : `${this.prefix}rollwatch-*`, ignore_unavailable: true });
  }

  async health(): Promise<HealthStatus> {
    try {
      const health = await this.client.cluster.health({ timeout: '2s' }, { requestTimeout: 3000 });
      return { ok: health.status !== 'red', detail: `elasticsearch cluster ${health.status}` };
    } catch (error) {
      return { ok: false, detail: `elasticsearch unreachable: ${(error as Error).message}` };
    }
  }

  async close(): Promise<void> {
    if (this.lifecycleTimer) clearInterval(this.lifecycleTimer);
    this.lifecycleTimer = undefined;
    await this.client.close();
  }
}
