import { INDICES } from '@rollwatch/core';

/**
 * Direct Elasticsearch reads for assertions: the tests check what really reached the store, not
 * what a service's API says about it. Plain HTTP so it works while a service is dead.
 */
export class EsProbe {
  constructor(readonly url: string) {}

  private async call(method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await fetch(new URL(path, this.url), {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    if (res.status === 404) return { count: 0, hits: { total: { value: 0 }, hits: [] } };
    if (!res.ok) throw new Error(`Elasticsearch ${method} ${path}: ${res.status} ${text.slice(0, 500)}`);
    return JSON.parse(text) as unknown;
  }

  async refresh(): Promise<void> {
    await this.call('POST', '/rollwatch-*/_refresh?ignore_unavailable=true&allow_no_indices=true');
  }

  /** Documents of `index` whose rollout starts with `rolloutPrefix`. */
  async countByRolloutPrefix(index: string, rolloutPrefix: string): Promise<number> {
    const r = (await this.call('POST', `/${index}/_count?ignore_unavailable=true`, { query: { prefix: { rollout: rolloutPrefix } } })) as { count: number };
    return r.count;
  }

  async countByRollout(index: string, rollout: string): Promise<number> {
    const r = (await this.call('POST', `/${index}/_count?ignore_unavailable=true`, { query: { term: { rollout } } })) as { count: number };
    return r.count;
  }

  /** How many of `ids` exist as documents in `index` (chunked `ids` queries). */
  async countExistingIds(index: string, ids: string[]): Promise<number> {
    let found = 0;
    for (let i = 0; i < ids.length; i += 5000) {
      const chunk = ids.slice(i, i + 5000);
      const r = (await this.call('POST', `/${index}/_count?ignore_unavailable=true`, { query: { ids: { values: chunk } } })) as { count: number };
      found += r.count;
    }
    return found;
  }

  /** Document ids of `index` for one rollout (up to 10,000). */
  async idsOfRollout(index: string, rollout: string): Promise<string[]> {
    const r = (await this.call('POST', `/${index}/_search?ignore_unavailable=true`, { size: 10_000, _source: false, query: { term: { rollout } } })) as { hits: { hits: { _id: string }[] } };
    return r.hits.hits.map((h) => h._id);
  }

  async sourcesOfRollout(index: string, rollout: string): Promise<Record<string, unknown>[]> {
    const r = (await this.call('POST', `/${index}/_search?ignore_unavailable=true`, { size: 10_000, query: { term: { rollout } } })) as { hits: { hits: { _source: Record<string, unknown> }[] } };
    return r.hits.hits.map((h) => h._source);
  }

  /** Events accepted for the rollouts of one test run: count and exact id coverage. */
  async eventsCoverage(rolloutPrefix: string, expectedIds: string[]): Promise<{ stored: number; matched: number }> {
    // Ids first, then a second refresh, then the total: the store is still being written, and a
    // total taken before the id counts can trail them (observed: 19,243 stored vs 19,900 matched),
    // which would read as "fewer stored than matched". In this order stored >= matched always holds
    // and stored > matched can only mean duplicates or events nobody accepted.
    await this.refresh();
    const matched = await this.countExistingIds(INDICES.events, expectedIds);
    await this.refresh();
    const stored = await this.countByRolloutPrefix(INDICES.events, rolloutPrefix);
    return { stored, matched };
  }
}
