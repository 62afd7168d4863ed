import { errors as esErrors, type Client } from '@elastic/elasticsearch';
import { RollwatchError } from '@rollwatch/contract';
import { legacyIndexName } from './families.js';
import { durationMs, rolloverConditions, type ResolvedLifecycle, type StorageSettings } from './storage-settings.js';

/** True when the cluster serves `path` (a REST handler exists), false on "no handler found". */
async function serves(client: Client, path: string): Promise<boolean> {
  try {
    await client.transport.request({ method: 'GET', path });
    return true;
  } catch (error) {
    if (error instanceof esErrors.ResponseError) {
      const status = error.statusCode ?? 0;
      // 400 "no handler found for uri", 404/405 from proxies: the API is missing. 401/403: it exists.
      return !(status === 400 || status === 404 || status === 405 || status === 410);
    }
    throw error;
  }
}

/** `auto`: ILM when the cluster has it, else the data stream lifecycle, else rollwatch's own. */
export async function detectLifecycle(client: Client): Promise<ResolvedLifecycle> {
  if (await serves(client, '/_ilm/status')) return 'ilm';
  if (await serves(client, '/_data_stream/_lifecycle/stats')) return 'data-stream-lifecycle';
  return 'rollwatch';
}

/**
 * A lifecycle set explicitly must exist on the cluster: a template's `lifecycle` is accepted even by
 * a cluster without the lifecycle module, and would then silently keep data forever.
 */
export async function verifyLifecycle(client: Client, mode: ResolvedLifecycle): Promise<void> {
  const api = mode === 'ilm' ? '/_ilm/status' : mode === 'data-stream-lifecycle' ? '/_data_stream/_lifecycle/stats' : undefined;
  if (api && !(await serves(client, api))) {
    throw new RollwatchError(`ELASTICSEARCH_LIFECYCLE=${mode}, but this Elasticsearch has no ${api} API (pick auto, rollwatch or none)`, { retriable: false, code: 'LIFECYCLE_UNSUPPORTED' });
  }
}

/** A data stream's backing indices, oldest first (the last is the write index); [] when it does not exist. */
export async function backingIndices(client: Client, dataStream: string): Promise<string[]> {
  const resolved = await client.indices.resolveIndex({ name: dataStream, expand_wildcards: 'all' }, { ignore: [404] });
  const backing = resolved.data_streams?.find((d) => d.name === dataStream)?.backing_indices ?? [];
  return Array.isArray(backing) ? backing : [backing];
}

async function creationDates(client: Client, indices: string[]): Promise<Map<string, number>> {
  if (indices.length === 0) return new Map();
  const response = await client.indices.getSettings({ index: indices.join(','), name: 'index.creation_date', flat_settings: true, expand_wildcards: 'all', ignore_unavailable: true });
  return new Map(Object.entries(response).map(([index, s]) => [index, Number((s.settings as Record<string, string>)['index.creation_date'])]));
}

export interface LifecycleReport {
  rolledOver: string[];
  deleted: string[];
}

/**
 * One pass of the `rollwatch` lifecycle over the given (prefixed) data streams: a conditional
 * rollover (age, primary shard size, optional docs; never an empty write index), then deletes
 * every non-write backing index rolled over more than `retention` ago. An index's rollover time
 * is the creation time of the next generation, the same clock ILM's delete phase uses. A legacy
 * index left by the migration is deleted once its own creation (the migration) is that old.
 */
export async function runRollwatchLifecycle(client: Client, dataStreams: string[], settings: StorageSettings, now = Date.now()): Promise<LifecycleReport> {
  const report: LifecycleReport = { rolledOver: [], deleted: [] };
  const retentionMs = durationMs(settings.retention);
  for (const dataStream of dataStreams) {
    const before = await backingIndices(client, dataStream);
    if (before.length > 0) {
      const result = await client.indices.rollover({ alias: dataStream, conditions: rolloverConditions(settings.rollover) });
      if (result.rolled_over) report.rolledOver.push(result.old_index);
    }
    const backing = await backingIndices(client, dataStream);
    const legacy = legacyIndexName(dataStream);
    const dates = await creationDates(client, [...backing, legacy]);
    for (let i = 0; i < backing.length - 1; i++) {
      const rolledOverAt = dates.get(backing[i + 1]!);
      if (rolledOverAt !== undefined && now - rolledOverAt >= retentionMs) {
        await client.indices.delete({ index: backing[i]! }, { ignore: [404] });
        report.deleted.push(backing[i]!);
      }
    }
    const migratedAt = dates.get(legacy);
    if (migratedAt !== undefined && now - migratedAt >= retentionMs) {
      await client.indices.delete({ index: legacy }, { ignore: [404] });
      report.deleted.push(legacy);
    }
  }
  return report;
}

/**
 * Migration of a family stored as a plain index (rollwatch before data streams) to a data stream of
 * the same name. Elasticsearch cannot turn an index into a data stream in place, and the reindex
 * module is not in every distribution, so the index is write-blocked and *cloned* (hard links,
 * seconds for any size) to `<name>-legacy`, the copy is checked to hold every document, and only
 * then is the original deleted; the next write creates the data stream from its template. Readers
 * search `<name>,<name>-legacy`, so nothing disappears; the legacy index is read-only and goes
 * when the retention has passed since the migration. Returns false when there was nothing to do.
 */
export async function migratePlainIndex(client: Client, name: string): Promise<boolean> {
  const resolved = await client.indices.resolveIndex({ name, expand_wildcards: 'all' }, { ignore: [404] });
  const plain = resolved.indices?.find((i) => i.name === name && !i.data_stream);
  if (!plain) return false;
  const legacy = legacyIndexName(name);
  await client.indices.putSettings({ index: name, settings: { 'index.blocks.write': true } });
  await client.indices.refresh({ index: name });
  const legacyExists = await client.indices.exists({ index: legacy });
  if (!legacyExists) {
    try {
      await client.indices.clone({ index: name, target: legacy, wait_for_active_shards: 1 });
    } catch (error) {
      // Another replica migrating at the same moment cloned it first.
      if (!(error instanceof esErrors.ResponseError && error.body?.error?.type === 'resource_already_exists_exception')) throw error;
    }
  }
  await client.cluster.health({ index: legacy, wait_for_status: 'yellow', timeout: '60s' });
  const [original, copy] = await Promise.all([client.count({ index: name }), client.count({ index: legacy })]);
  if (copy.count !== original.count) {
    throw new Error(`migrating ${name}: the clone ${legacy} holds ${copy.count} of ${original.count} documents; the original is kept (write-blocked)`);
  }
  await client.indices.delete({ index: name }, { ignore: [404] });
  return true;
}

/**
 * Creates a data stream up front (as `ensureIndices` always created the plain indices), so the first
 * write of a service does not pay for it. `PUT _data_stream/<name>` where the cluster has that API;
 * otherwise (the integ-test distribution) a write of a document without `@timestamp`: Elasticsearch
 * auto-creates the data stream, then rejects the document, so nothing is stored.
 */
export async function ensureDataStream(client: Client, name: string): Promise<void> {
  if ((await backingIndices(client, name)).length > 0) return;
  try {
    await client.indices.createDataStream({ name });
    return;
  } catch (error) {
    if (error instanceof esErrors.ResponseError && error.body?.error?.type === 'resource_already_exists_exception') return;
    if (!(error instanceof esErrors.ResponseError && (error.statusCode === 400 || error.statusCode === 404 || error.statusCode === 405))) throw error;
  }
  await client.bulk({ operations: [{ create: { _index: name } }, { 'rollwatch.create': 'data stream' }] });
  if ((await backingIndices(client, name)).length === 0) throw new Error(`could not create the data stream ${name}`);
}
