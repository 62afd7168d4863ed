import { test } from 'node:test';
import assert from 'node:assert/strict';
import { windowKey } from './ingest.js';

test('windowKey is String(start), whether the start repeats or changes', () => {
  for (const start of [1736157600000, 1736157600000, 1736157660000, 0, -60000, 1736157600000, 1736157600000.5]) assert.equal(windowKey(start), String(start));
});
