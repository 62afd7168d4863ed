import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Client, errors as esErrors } from '@elastic/elasticsearch';

type ClientOptions = ConstructorParameters<typeof Client>[0];
import type { HealthStatus } from '../bus/interface.js';
import { RollwatchError, UnavailableError } from '../errors.js';
import type { SearchResult, Store, StoreDoc, StoreQuery } from './interface.js';
import { INDEX_TEMPLATES } from './mappings.js';

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
}

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
    if (status === 429 || status >= 500) return new UnavailableError(`elasticsearch ${what} failed (${status})`, { cause: error });
    return new RollwatchError(`elasticsearch ${what} rejected (${status}): ${error.message}`, { retriable: false, cause: error });
  }
  return new UnavailableError(`elasticsearch ${what} failed: ${(error as Error).message}`, { cause: error });
}

export class ElasticsearchStore implements Store {
  readonly kind = 'elasticsearch' as const;
  readonly client: Client;
  private readonly prefix: string;

  constructor(private readonly options: ElasticsearchStoreOptions) {
    const clientOptions: ClientOptions = { node: options.url, requestTimeout: 10_000, maxRetries: 1 };
    if (options.apiKey) clientOptions.auth = { apiKey: options.apiKey };
    else if (options.username && options.password) clientOptions.auth = { username: options.username, password: options.password };
    if (options.caFile) clientOptions.tls = { ca: readFileSync(options.caFile, 'utf8') };
    this.client = new Client(clientOptions);
    this.prefix = options.prefix ?? '';
  }

  private name(index: string): string {
    return `${this.prefix}${index}`;
  }

  async ensureIndices(): Promise<void> {
    try {
      for (const [index, template] of Object.entries(INDEX_TEMPLATES)) {
        const name = this.name(index);
        await this.client.indices.putIndexTemplate({
          name,
          index_patterns: [`${name}*`],
          template: template.template,
          priority: 100,
        });
        const exists = await this.client.indices.exists({ index: name });
        if (!exists) {
          await this.client.indices.create({ index: name }).catch((error: unknown) => {
            if (!(error instanceof esErrors.ResponseError && error.body?.error?.type === 'resource_already_exists_exception')) throw error;
          });
        }
      }
    } catch (error) {
      throw wrap(error, 'ensureIndices');
    }
  }

  async put(index: string, docs: StoreDoc[]): Promise<void> {
    if (docs.length === 0) return;
    const name = this.name(index);
    let response;
    try {
      response = await this.client.bulk({
        refresh: this.options.refreshOnWrite ? 'wait_for' : false,
        operations: docs.flatMap((doc) => [{ index: { _index: name, _id: storeDocumentId(doc.id) } }, doc]),
      });
    } catch (error) {
      throw wrap(error, 'bulk');
    }
    if (!response.errors) return;
    const failed = response.items.map((item) => item.index).filter((r) => r?.error);
    const retriable = failed.some((r) => r!.status === 429 || r!.status >= 500);
    const first = failed[0];
    const message = `elasticsearch bulk: ${failed.length}/${docs.length} failed; first: ${first?.status} ${first?.error?.type}: ${first?.error?.reason}`;
    // Writes are by id, so retrying a partially failed bulk is safe (no duplicates).
    throw retriable ? new UnavailableError(message) : new RollwatchError(message, { retriable: false, code: 'REJECTED' });
  }

  async get(index: string, id: string): Promise<StoreDoc | undefined> {
    try {
      const response = await this.client.get<StoreDoc>({ index: this.name(index), id: storeDocumentId(id) }, { ignore: [404] });
      return response.found ? response._source : undefined;
    } catch (error) {
      if (error instanceof esErrors.ResponseError && error.statusCode === 404) return undefined;
      throw wrap(error, 'get');
    }
  }

  async search(index: string, query: StoreQuery = {}): Promise<SearchResult> {
    try {
      const response = await this.client.search<StoreDoc>({
        index: this.name(index),
        query: toEsQuery(query),
        from: query.from ?? 0,
        size: query.size ?? 100,
        sort: (query.sort ?? []).map((s) => ({ [s.field]: { order: s.order, unmapped_type: 'keyword' } })),
        track_total_hits: true,
        ignore_unavailable: true,
      });
      const total = typeof response.hits.total === 'number' ? response.hits.total : (response.hits.total?.value ?? 0);
      return { total, hits: response.hits.hits.map((h) => h._source!).filter(Boolean) };
    } catch (error) {
      throw wrap(error, 'search');
    }
  }

  async count(index: string, query: StoreQuery = {}): Promise<number> {
    try {
      const response = await this.client.count({ index: this.name(index), query: toEsQuery(query), ignore_unavailable: true });
      return response.count;
    } catch (error) {
      throw wrap(error, 'count');
    }
  }

  async terms(index: string, field: string, query: StoreQuery = {}, size = 20): Promise<{ key: string; count: number }[]> {
    try {
      const response = await this.client.search({
        index: this.name(index),
        size: 0,
        query: toEsQuery(query),
        aggs: { values: { terms: { field, size } } },
        ignore_unavailable: true,
      });
      const buckets = (response.aggregations?.values as { buckets?: { key: string | number; doc_count: number }[] } | undefined)?.buckets ?? [];
      return buckets.map((b) => ({ key: String(b.key), count: b.doc_count }));
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
    await this.client.close();
  }
}
