// The memos must be invisible: an engine with memoised inputs that has judged every look (its memos
// warm) answers exactly what an engine restored from its snapshot without them answers (everything
// recomputed from the windows), at every step, including after an instance moves to another group
// and after the stable-as-baseline rule flips.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RollwatchEvent } from '@rollwatch/core';
import { createEngine, restoreEngine } from '../engine.js';
import { corpusRollouts } from '../scenarios/corpus.js';
import { ev, MIN, SEC, steady } from '../test-helpers.js';
import { DEFAULT_POLICY } from '../policy/defaults.js';
import { dict, newRolloutState } from '../state/ingest.js';
import type { WindowState } from '../state/types.js';
import { memoiseInputs, memoWindow } from './window-memo.js';

const byTime = (a: RollwatchEvent, b: RollwatchEvent): number => Date.parse(a.time) - Date.parse(b.time) || (a.id < b.id ? -1 : 1);

function assertSameAsRecomputed(events: readonly RollwatchEvent[], every: number): number {
  const engine = createEngine({ memoiseInputs: true });
  const rollouts = new Set(events.map((e) => e.rollout));
  let checks = 0;
  for (let i = 0; i < events.length; i++) {
    engine.ingestOne(events[i]!);
    // The warm engine looks after every event (as the detector may), the cold one only here.
    engine.evaluate(events[i]!.rollout);
    if (i % every !== every - 1 && i !== events.length - 1) continue;
    const cold = restoreEngine(JSON.parse(JSON.stringify(engine.snapshot())));
    for (const r of rollouts) {
      assert.deepEqual(engine.evaluate(r), cold.evaluate(r), `rollout ${r} after event ${i}`);
      checks++;
    }
  }
  return checks;
}

test('memoised looks equal a from-scratch evaluation at every step (corpus rollouts, every fault kind)', () => {
  const events = [...corpusRollouts({ seed: 33, count: 14 })].flatMap((r) => r.events.filter((_, i) => i % 3 === 0)).sort(byTime);
  const checks = assertSameAsRecomputed(events, 1_500);
  assert.ok(checks > 20, `${checks} checks`);
});

test('an instance that changes group, and a first baseline instance, invalidate the memo', () => {
  const events: RollwatchEvent[] = [
    // Only stable instances at first: they count as the baseline.
    ...steady({ canary: 1, baseline: 0, minutes: 8, errorRate: (i) => (i.startsWith('c') ? 0.08 : 0.01) }),
    ...Array.from({ length: 8 * 6 }, (_, k) => ev(k * 10 * SEC, { instance: `s${k % 3}`, group: 'stable', type: 'metric', metric: 'http_requests_total', value: 100 })),
    ...Array.from({ length: 8 * 6 }, (_, k) => ev(k * 10 * SEC + 1, { instance: `s${k % 3}`, group: 'stable', type: 'metric', metric: 'http_errors_total', value: 1 })),
    // Minute 8: a stable instance reports as canary; minute 10: a real baseline appears.
    ...Array.from({ length: 6 }, (_, k) => ev(8 * MIN + k * 10 * SEC, { instance: 's1', group: 'canary', type: 'metric', metric: 'http_requests_total', value: 100 })),
    ...Array.from({ length: 12 }, (_, k) => ev(10 * MIN + k * 10 * SEC, { instance: 'b9', group: 'baseline', type: 'metric', metric: 'http_requests_total', value: 100 })),
    ev(13 * MIN, { instance: 'b9', group: 'baseline', type: 'container_start' }),
  ].sort(byTime);
  const checks = assertSameAsRecomputed(events, 1);
  assert.ok(checks > 20, `${checks} checks`);
});

test('memoWindow: a window the watermark has closed is computed once, an open one at every call, none without the input memo', () => {
  const state = newRolloutState('r');
  state.inventoryVersion = 1;
  state.maxEventMs = 10 * MIN;
  const closed: WindowState = { start: 5 * MIN, instances: dict(), external: {}, ids: null };
  const open: WindowState = { start: 9 * MIN, instances: dict(), external: {}, ids: new Set() };
  let calls = 0;
  const compute = (w: WindowState): number => (calls++, w.start);
  const twice = (w: WindowState): number[] => [memoWindow(state, DEFAULT_POLICY, 'x', w, compute), memoWindow(state, DEFAULT_POLICY, 'x', w, compute)];
  assert.deepEqual(twice(closed), [5 * MIN, 5 * MIN]);
  assert.equal(calls, 2, 'not memoised without memoiseInputs');
  memoiseInputs(state);
  calls = 0;
  assert.deepEqual(twice(closed), [5 * MIN, 5 * MIN]);
  assert.equal(calls, 1);
  assert.deepEqual(twice(open), [9 * MIN, 9 * MIN]);
  assert.equal(calls, 3);
  // Another group assignment is another key: computed again.
  state.groupsVersion = 1;
  memoWindow(state, DEFAULT_POLICY, 'x', closed, compute);
  assert.equal(calls, 4);
});
