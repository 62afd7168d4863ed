/**
 * Elasticsearch storage on the test kit's real Elasticsearch (the 9.x integ-test distribution):
 * data streams, rollover, retention, dedupe by id across a rollover, shards/replicas, migration.
 *
 * Which lifecycle this proves: that distribution has data streams and `_rollover` but neither ILM
 * (`_ilm/*`) nor the data stream lifecycle module (`_data_stream/*`), so `auto` resolves to the
 * `rollwatch` lifecycle (rollwatch's own conditional rollover + retention delete), and that is what
 * these tests run. The ILM policy and the data stream lifecycle template are covered by unit tests of
 * their request bodies (storage-settings.test.ts) and, here, by asserting they fail loudly on a
 * cluster without them instead of silently keeping data forever.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { ensureElasticsearch, type ElasticsearchServer } from '@rollwatch/testkit';
import { ElasticsearchStore, INDICES, type StorageSettings, type StoreDoc } from '@rollwatch/core';

let es: ElasticsearchServer;
const stores: ElasticsearchStore[] = [];
before(async () => {
  es = await ensureElasticsearch();
});
after(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await es?.stop();
});

function newStore(storage: Partial<StorageSettings> = {}, prefix = `s${randomUUID().slice(0, 8)}-`): { store: ElasticsearchStore; prefix: string } {
  const store = new ElasticsearchStore({ url: es.url, prefix, refreshOnWrite: true, storage: { replicas: zero(), lifecyclePollMs: 3_600_000, ...storage } });
  stores.push(store);
  return { store, prefix };
}

function zero(): StorageSettings['replicas'] {
  return { events: 0, anomalies: 0, actions: 0, verdicts: 0, rollouts: 0, silences: 0, checkpoints: 0 };
}

function event(rollout: string, i: number, id = `${rollout}-e${i}`): StoreDoc {
  return { id, time: new Date(Date.UTC(2026, 11, 5, 0, 0, i)).toISOString(), rollout, group: i % 2 ? 'canary' : 'baseline', type: 'log', instance: `pod-${i % 3}`, message: `line ${i}` };
}

async function backing(store: ElasticsearchStore, name: string): Promise<string[]> {
  const resolved = await store.client.indices.resolveIndex({ name, expand_wildcards: 'all' });
  return (resolved.data_streams[0]?.backing_indices as string[] | undefined) ?? [];
}

async function settingsOf(store: ElasticsearchStore, index: string): Promise<Record<string, string>> {
  const response = await store.client.indices.getSettings({ index, flat_settings: true, expand_wildcards: 'all' });
  return Object.values(response)[0]!.settings as Record<string, string>;
}

/** Documents as Elasticsearch holds them, duplicates included (what readers must collapse). */
async function rawCount(store: ElasticsearchStore, index: string, id: string): Promise<number> {
  await store.client.indices.refresh({ index, expand_wildcards: 'all' });
  return (await store.client.count({ index, query: { term: { id } } })).count;
}

describe('Elasticsearch storage: data streams on the test kit cluster', () => {
  it('auto picks the rollwatch lifecycle here (no ILM, no data stream lifecycle), and ilm / data-stream-lifecycle fail loudly', async () => {
    const { store } = newStore();
    assert.equal(await store.resolveLifecycle(), 'rollwatch');
    await assert.rejects(newStore({ lifecycle: 'ilm' }).store.ensureIndices(), /ELASTICSEARCH_LIFECYCLE=ilm, but this Elasticsearch has no \/_ilm\/status API/);
    await assert.rejects(newStore({ lifecycle: 'data-stream-lifecycle' }).store.ensureIndices(), /no \/_data_stream\/_lifecycle\/stats API/);
  });

  it('time series are data streams, the rest regular indices, with the configured shards and replicas', async () => {
    const { store, prefix } = newStore({ shards: { events: 2, anomalies: 1, actions: 1, verdicts: 3, rollouts: 1, silences: 1, checkpoints: 1 }, replicas: { ...zero(), anomalies: 1 } });
    await store.ensureIndices();
    await store.put(INDICES.events, [event('r1', 1)]);
    await store.put(INDICES.anomalies, [{ id: 'a1', rollout: 'r1', signal: 'oom', detectedAt: new Date().toISOString(), canary: 1 }]);
    await store.put(INDICES.anomalies, [{ id: 'a1', rollout: 'r1', signal: 'oom', detectedAt: new Date().toISOString(), canary: 3 }]);
    assert.equal((await store.get(INDICES.anomalies, 'a1'))?.canary, 3, 'an anomaly is upserted: its latest figures');
    assert.equal(await rawCount(store, `${prefix}${INDICES.anomalies}`, 'a1'), 1);
    const events = await backing(store, `${prefix}${INDICES.events}`);
    assert.equal(events.length, 1, 'events is a data stream with one backing index');
    assert.match(events[0]!, /^\.ds-/);
    const eventSettings = await settingsOf(store, events[0]!);
    assert.equal(eventSettings['index.number_of_shards'], '2');
    assert.equal(eventSettings['index.number_of_replicas'], '0');
    const anomalySettings = await settingsOf(store, (await backing(store, `${prefix}${INDICES.anomalies}`))[0]!);
    assert.equal(anomalySettings['index.number_of_replicas'], '1');
    const verdicts = await store.client.indices.resolveIndex({ name: `${prefix}${INDICES.verdicts}` });
    assert.equal(verdicts.indices.length, 1, 'verdicts stay a regular index');
    assert.equal(verdicts.data_streams.length, 0);
    const verdictSettings = await settingsOf(store, `${prefix}${INDICES.verdicts}`);
    assert.equal(verdictSettings['index.number_of_shards'], '3');
    assert.equal(verdictSettings['index.number_of_replicas'], '0');
    // The stored document reads back exactly as written (no @timestamp leaks through the Store API).
    assert.deepEqual(await store.search(INDICES.events, {}), { total: 1, hits: [event('r1', 1)] });
  });

  it('labels and host attributes are flattened: thousands of distinct keys stay one field each and stay searchable', async () => {
    const { store, prefix } = newStore();
    await store.ensureIndices();
    const docs = Array.from({ length: 1_500 }, (_, i) => ({ ...event('flat', i), labels: { [`team-${i}`]: `t${i % 7}` }, hostAttributes: { kernel: i % 2 ? '4.4.0-98' : '4.4.0-103', [`attr-${i}`]: 'x' } }));
    await store.put(INDICES.events, docs);
    assert.equal(await store.count(INDICES.events, { filters: { 'labels.team-1234': 't2' } }), 1);
    assert.equal(await store.count(INDICES.events, { filters: { 'hostAttributes.kernel': '4.4.0-98' } }), 750);
    assert.deepEqual(await store.terms(INDICES.events, 'hostAttributes.kernel'), [{ key: '4.4.0-103', count: 750 }, { key: '4.4.0-98', count: 750 }]);
    const mapping = await store.client.indices.getMapping({ index: `${prefix}${INDICES.events}` });
    const properties = Object.values(mapping)[0]!.mappings.properties!;
    assert.equal((properties.labels as { type?: string }).type, 'flattened');
    assert.ok(Object.keys(properties).length < 40, 'no field per label key');
  });

  it('rolls over at tiny thresholds, reads across backing indices, and retention deletes only the old backing index', async () => {
    const { store, prefix } = newStore({ rollover: { maxAge: '30d', maxPrimaryShardSize: '50gb', maxPrimaryShardDocs: 3 }, retention: '1h' });
    await store.ensureIndices();
    const name = `${prefix}${INDICES.events}`;
    await store.put(INDICES.events, [1, 2, 3].map((i) => event('roll', i)));
    assert.deepEqual((await store.runLifecycle()).rolledOver.length, 1, 'three docs reach max_primary_shard_docs=3');
    assert.deepEqual((await store.runLifecycle()).rolledOver, [], 'an empty write index is never rolled over');
    await store.put(INDICES.events, [4, 5, 6].map((i) => event('roll', i)));
    await store.runLifecycle();
    await store.put(INDICES.events, [7].map((i) => event('roll', i)));
    const indices = await backing(store, name);
    assert.equal(indices.length, 3);

    assert.equal(await store.count(INDICES.events, { filters: { rollout: 'roll' } }), 7);
    const page = await store.search(INDICES.events, { filters: { rollout: 'roll' }, sort: [{ field: 'time', order: 'asc' }], from: 2, size: 3 });
    assert.deepEqual(page.hits.map((h) => h.id), ['roll-e3', 'roll-e4', 'roll-e5'], 'one sorted page spans two backing indices');
    assert.deepEqual(await store.terms(INDICES.events, 'group', { filters: { rollout: 'roll' } }), [{ key: 'canary', count: 4 }, { key: 'baseline', count: 3 }]);

    // Retention: generation 1 was rolled over when generation 2 was created; one hour after that it goes.
    const created = Number((await settingsOf(store, indices[1]!))['index.creation_date']);
    const report = await store.runLifecycle(created + 3_600_000 + 1);
    assert.deepEqual(report.deleted, [indices[0]]);
    assert.deepEqual(await backing(store, name), indices.slice(1));
    assert.deepEqual((await store.search(INDICES.events, { filters: { rollout: 'roll' }, sort: [{ field: 'time', order: 'asc' }] })).hits.map((h) => h.id), ['roll-e4', 'roll-e5', 'roll-e6', 'roll-e7']);
  });

  it('the lifecycle timer rolls a data stream over by itself', async () => {
    const { store, prefix } = newStore({ rollover: { maxAge: '30d', maxPrimaryShardSize: '50gb', maxPrimaryShardDocs: 1 }, lifecyclePollMs: 200 });
    await store.ensureIndices();
    await store.put(INDICES.anomalies, [{ id: 'x', rollout: 't', detectedAt: new Date().toISOString() }]);
    const deadline = Date.now() + 30_000;
    while ((await backing(store, `${prefix}${INDICES.anomalies}`)).length < 2) {
      assert.ok(Date.now() < deadline, 'no rollover by the timer within 30 s');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  });

  it('create-by-id dedupes within a backing index; a duplicate after a rollover is a second document that readers collapse', async () => {
    const { store, prefix } = newStore({ rollover: { maxAge: '30d', maxPrimaryShardSize: '50gb', maxPrimaryShardDocs: 1 } });
    await store.ensureIndices();
    const name = `${prefix}${INDICES.events}`;
    const first = event('dup', 1);
    await store.put(INDICES.events, [first, event('dup', 2)]);
    await store.put(INDICES.events, [{ ...first, message: 'replayed' }]);
    assert.equal(await rawCount(store, name, first.id), 1, 'same backing index: the conflict counts as already stored');
    assert.equal((await store.get(INDICES.events, first.id))?.message, 'line 1', 'first write wins');

    assert.equal((await store.runLifecycle()).rolledOver.length, 1);
    await store.put(INDICES.events, [first]);
    assert.equal(await rawCount(store, name, first.id), 2, 'after the rollover the duplicate is a second document');
    assert.equal(await store.count(INDICES.events, { filters: { rollout: 'dup' } }), 2, 'count is of distinct ids');
    const found = await store.search(INDICES.events, { filters: { rollout: 'dup' }, sort: [{ field: 'time', order: 'asc' }] });
    assert.deepEqual(found.hits.map((h) => h.id), [first.id, 'dup-e2']);
    assert.equal(found.total, 2);
    assert.deepEqual(await store.terms(INDICES.events, 'rollout', {}), [{ key: 'dup', count: 2 }]);
  });

  it('the actions audit is upserted: a status change after a rollover overwrites the one document', async () => {
    const { store, prefix } = newStore({ rollover: { maxAge: '30d', maxPrimaryShardSize: '50gb', maxPrimaryShardDocs: 1 } });
    await store.ensureIndices();
    const name = `${prefix}${INDICES.actions}`;
    const action = { id: 'act_1', rollout: 'r', kind: 'pause', target: 'argo', status: 'in-progress', at: new Date().toISOString(), attempts: 0 };
    await store.put(INDICES.actions, [action]);
    assert.equal((await store.runLifecycle()).rolledOver.length, 1);
    await store.put(INDICES.actions, [{ id: 'act_2', rollout: 'r', status: 'succeeded', at: new Date().toISOString() }]);
    await store.put(INDICES.actions, [{ ...action, status: 'succeeded', attempts: 1 }]);
    assert.equal(await rawCount(store, name, 'act_1'), 1, 'overwritten in the old backing index, not duplicated');
    assert.deepEqual(await store.get(INDICES.actions, 'act_1'), { ...action, status: 'succeeded', attempts: 1 });
    assert.equal(await store.count(INDICES.actions, { filters: { status: 'succeeded' } }), 2);
  });

  it('migrates a plain index left by an older version: clone to <name>-legacy, data stream from then on, reads cover both', async () => {
    const prefix = `m${randomUUID().slice(0, 8)}-`;
    const name = `${prefix}${INDICES.events}`;
    const { store: raw } = newStore({}, prefix);
    // What rollwatch before data streams created: a plain index with the old template.
    await raw.client.indices.create({ index: name, settings: { number_of_shards: 1, number_of_replicas: 0 }, mappings: { properties: { id: { type: 'keyword' }, time: { type: 'date' }, rollout: { type: 'keyword' }, group: { type: 'keyword' }, message: { type: 'text' } } } });
    const old = [1, 2, 3].map((i) => event('mig', i));
    await raw.client.bulk({ refresh: true, operations: old.flatMap((d) => [{ index: { _index: name, _id: d.id } }, d]) });

    const { store } = newStore({}, prefix);
    await store.ensureIndices();
    await store.ensureIndices(); // idempotent: nothing left to migrate
    const legacy = await settingsOf(store, `${name}-legacy`);
    assert.equal(legacy['index.blocks.write'], 'true', 'the legacy copy is read-only');
    await store.put(INDICES.events, [event('mig', 4), old[0]!]);
    assert.equal((await backing(store, name)).length, 1, 'the name is a data stream now');
    assert.equal(await store.count(INDICES.events, { filters: { rollout: 'mig' } }), 4, 'old and new documents, the replayed old id once');
    assert.deepEqual((await store.search(INDICES.events, { filters: { rollout: 'mig' }, sort: [{ field: 'time', order: 'desc' }], size: 2 })).hits.map((h) => h.id), ['mig-e4', 'mig-e3']);
    assert.equal((await store.get(INDICES.events, 'mig-e2'))?.message, 'line 2', 'get finds a document in the legacy index');

    // The legacy index goes when the retention has passed since the migration (its creation).
    const migratedAt = Number(legacy['index.creation_date']);
    const report = await store.runLifecycle(migratedAt + 14 * 86_400_000 + 1);
    assert.ok(report.deleted.includes(`${name}-legacy`));
    assert.equal(await store.count(INDICES.events, { filters: { rollout: 'mig' } }), 2);
  });
});
