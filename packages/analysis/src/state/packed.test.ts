import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PACKED_FIELDS, packWindow, unpackWindow } from './packed.js';
import { emptyInstanceWindow } from './types.js';
import { createEngine, restoreEngine } from '../engine.js';
import { steady } from '../test-helpers.js';

test('every field of a window aggregate is packed, once', () => {
  assert.deepEqual([...PACKED_FIELDS].sort(), Object.keys(emptyInstanceWindow()).sort());
});

test('pack then unpack gives the aggregate back; trailing zeros are dropped; the object form is read too', () => {
  const w = { ...emptyInstanceWindow(), events: 4, requests: 612, httpErrors: 2, latencySumMs: 105.88235294117646, latencyCount: 1 };
  const packed = packWindow(w);
  assert.equal(packed.length, PACKED_FIELDS.indexOf('latencyCount') + 1);
  assert.deepEqual(unpackWindow(packed), w);
  assert.deepEqual(packWindow(emptyInstanceWindow()), []);
  assert.deepEqual(unpackWindow([]), emptyInstanceWindow());
  assert.deepEqual(unpackWindow({ ...w }), w);
  assert.deepEqual(unpackWindow({ events: 1 } as never), { ...emptyInstanceWindow(), events: 1 });
});

test('a version-1 snapshot (object-form windows, written by older detectors) restores to the same verdicts', () => {
  const live = createEngine();
  live.ingest(steady({ minutes: 12, errorRate: (i) => (i.startsWith('c') ? 0.06 : 0.01) }));
  const v2 = JSON.parse(JSON.stringify(live.snapshot())) as { version: number; rollouts: { state: { windows: Record<string, { instances: Record<string, unknown> }> } }[] };
  assert.equal(v2.version, 2);
  const v1 = structuredClone(v2);
  v1.version = 1;
  for (const r of v1.rollouts) for (const w of Object.values(r.state.windows)) for (const id in w.instances) w.instances[id] = unpackWindow(w.instances[id] as number[]);
  assert.ok(JSON.stringify(v1).length > 2 * JSON.stringify(v2).length, 'the packed form is much smaller');
  const expected = live.evaluate('r1');
  assert.deepEqual(restoreEngine(v1).evaluate('r1'), expected);
  assert.deepEqual(restoreEngine(v2).evaluate('r1'), expected);
  assert.equal(expected.decision, 'no-go');
});
