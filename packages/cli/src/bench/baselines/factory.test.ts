import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASELINE_KINDS, createBaseline } from './factory.js';
import { traffic } from './testing.js';

test('baseline factory: every kind builds; unset is the no-op judge', () => {
  for (const kind of BASELINE_KINDS) assert.equal(typeof createBaseline(kind).judge, 'function');
  const none = createBaseline(undefined);
  assert.equal(none.name, 'none');
  assert.equal(none.judge(traffic('canary', 'c', 10, () => ({ requests: 10, errors: 10, latencyMs: 9000 }))).flagged, false);
  assert.throws(() => createBaseline('prometheus' as never), /unknown baseline/);
});
