import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStore } from './memory-store.js';

const docs = [
  { id: '1', rollout: 'r1', group: 'canary', type: 'oom_killed', time: '2026-01-01T00:00:01Z', message: 'Killed process java', hostAttributes: { kernel: '4.4.0-98' } },
  { id: '2', rollout: 'r1', group: 'baseline', type: 'log', time: '2026-01-01T00:00:02Z', message: 'connection refused to db' },
  { id: '3', rollout: 'r2', group: 'canary', type: 'log', time: '2026-01-01T00:00:03Z', message: 'Connection REFUSED again' },
];

test('put is idempotent by id and search filters, sorts and paginates', async () => {
  const store = new MemoryStore();
  await store.put('e', docs);
  await store.put('e', [docs[0]!]);
  assert.equal(await store.count('e'), 3);
  const canary = await store.search('e', { filters: { group: 'canary' }, sort: [{ field: 'time', order: 'desc' }] });
  assert.deepEqual(canary.hits.map((d) => d.id), ['3', '1']);
  const page = await store.search('e', { sort: [{ field: 'time', order: 'asc' }], from: 1, size: 1 });
  assert.equal(page.total, 3);
  assert.deepEqual(page.hits.map((d) => d.id), ['2']);
  assert.deepEqual((await store.search('e', { filters: { 'hostAttributes.kernel': '4.4.0-98' } })).hits.map((d) => d.id), ['1']);
  assert.deepEqual((await store.search('e', { filters: { type: ['log', 'metric'] } })).hits.map((d) => d.id).sort(), ['2', '3']);
  assert.deepEqual((await store.search('e', { range: { field: 'time', gte: '2026-01-01T00:00:02Z' } })).total, 2);
  assert.deepEqual((await store.search('e', { text: 'connection refused' })).hits.map((d) => d.id).sort(), ['2', '3']);
});

test('terms counts values of a field', async () => {
  const store = new MemoryStore();
  await store.put('e', docs);
  assert.deepEqual(await store.terms('e', 'rollout'), [{ key: 'r1', count: 2 }, { key: 'r2', count: 1 }]);
});

test('documents are copies: mutating a result does not change the store', async () => {
  const store = new MemoryStore();
  await store.put('e', [{ id: 'a', v: 1 }]);
  const doc = await store.get('e', 'a');
  doc!.v = 2;
  assert.equal((await store.get('e', 'a'))!.v, 1);
  assert.equal(await store.get('e', 'missing'), undefined);
});

test('the store is bounded: the oldest documents are evicted first', async () => {
  const store = new MemoryStore(2);
  await store.put('e', [{ id: 'a' }, { id: 'b' }, { id: 'c' }]);
  assert.equal(await store.get('e', 'a'), undefined);
  assert.equal(await store.count('e'), 2);
});

test('per-rollout queries use the rollout index and stay right across overwrites and evictions', async () => {
  const store = new MemoryStore(3);
  await store.put('v', [
    { id: '1', rollout: 'a', n: 1 },
    { id: '2', rollout: 'a', n: 2 },
    { id: '3', rollout: 'b', n: 3 },
  ]);
  await store.put('v', [{ id: '2', rollout: 'b', n: 4 }]); // moves to rollout b
  assert.deepEqual((await store.search('v', { filters: { rollout: 'a' } })).hits.map((h) => h.id), ['1']);
  assert.deepEqual((await store.search('v', { filters: { rollout: 'b' }, sort: [{ field: 'n', order: 'desc' }] })).hits.map((h) => h.id), ['2', '3']);
  await store.put('v', [{ id: '4', rollout: 'c', n: 5 }]); // evicts id 1 (oldest)
  assert.equal(await store.count('v', { filters: { rollout: 'a' } }), 0);
  assert.equal(await store.count('v', { filters: { rollout: 'c' } }), 1);
  assert.equal(await store.count('v', { filters: { rollout: ['a', 'b', 'c'] } }), 3, 'a list of rollouts still scans');
  assert.deepEqual(await store.terms('v', 'n', { filters: { rollout: 'b' } }), [
    { key: '3', count: 1 },
    { key: '4', count: 1 },
  ]);
});
