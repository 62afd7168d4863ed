import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pageInfo, parseFilters, toQueryString } from './events-query.js';

test('filters round-trip through the query string', () => {
  const filters = parseFilters('rollout=api-v2&group=canary&type=log&host=node-1&q=timeout&from=50&size=25');
  assert.deepEqual(filters, { rollout: 'api-v2', group: 'canary', type: 'log', host: 'node-1', q: 'timeout', from: 50, size: 25 });
  assert.equal(toQueryString(filters), 'rollout=api-v2&group=canary&type=log&host=node-1&q=timeout&from=50&size=25');
});

test('malformed values are dropped instead of being sent to the API', () => {
  assert.deepEqual(parseFilters('group=nope&type=drop&size=7&from=-3&rollout=%20%20'), { from: 0, size: 50 });
});

test('from is clamped to the result window', () => {
  assert.equal(parseFilters('from=999999&size=100').from, 9_900);
});

test('pagination offers previous/next only where there are results', () => {
  assert.deepEqual(pageInfo(0, 0, 50, 0), { label: 'no events', prevFrom: null, nextFrom: null });
  assert.deepEqual(pageInfo(120, 50, 50, 50), { label: '51–100 of 120', prevFrom: 0, nextFrom: 100 });
  assert.equal(pageInfo(120, 100, 50, 20).nextFrom, null);
  assert.equal(pageInfo(50_000, 9_950, 50, 50).nextFrom, null, 'never past from+size = 10000');
});
