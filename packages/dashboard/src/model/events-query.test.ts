import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EVENT_GROUPS, EVENT_TYPES } from '@rollwatch/core';
import { EVENT_GROUP_OPTIONS, EVENT_TYPE_OPTIONS, pageInfo, parseFilters, toQueryString } from './events-query.js';

// The browser bundle keeps its own copy of the lists (core pulls in Node-only modules); this keeps
// the copy equal to event schema v1.
test('the filter options are exactly the groups and types of event schema v1', () => {
  assert.deepEqual([...EVENT_GROUP_OPTIONS], [...EVENT_GROUPS]);
  assert.deepEqual([...EVENT_TYPE_OPTIONS], [...EVENT_TYPES]);
});

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
