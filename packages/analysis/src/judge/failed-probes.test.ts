// thresholds.failedProbes: a canary failing a fifth of its health probes is a rollback on its own
// (a threshold, not a statistical test), unless the baseline fails them too or too few failed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RollwatchEvent } from '@rollwatch/core';
import { createEngine } from '../engine.js';
import { ev, MIN, SEC, steady, T0 } from '../test-helpers.js';

/** Probes every 30 s for 1 canary and 3 baselines; `fails` says which probe (instance, index) fails. */
function probes(minutes: number, fails: (instance: string, i: number) => boolean): RollwatchEvent[] {
  const out: RollwatchEvent[] = [];
  for (const id of ['c1', 'b1', 'b2', 'b3']) {
    for (let i = 0; i < minutes * 2; i++) {
      out.push(ev(i * 30 * SEC + 5 * SEC, { instance: id, type: fails(id, i) ? 'health_check_failed' : 'health_check_passed' }));
    }
  }
  return out;
}
const fleet = (minutes: number) => steady({ minutes, canary: 1, baseline: 3 });
const probeReason = (r: ReturnType<ReturnType<typeof createEngine>['evaluate']>) => r.reasons.find((x) => x.signal === 'health_check_failures' && x.severity === 'fail');

test('half of the canary probes failing from minute 4 is a no-go within ~2 minutes, with the fraction', () => {
  const engine = createEngine();
  engine.ingest([...fleet(12), ...probes(12, (id, i) => id === 'c1' && i >= 8 && i % 2 === 0)]);
  const r = engine.evaluate('r1');
  assert.equal(r.decision, 'no-go');
  const why = probeReason(r)!;
  assert.match(why.message, /canary failed \d+% of its health probes \(4\/\d+ from .*\), above the 20% ceiling \(thresholds\.failedProbes\); baseline 0% \(0\/\d+\)/);
  // Decided by the 4th failed probe, at 7:05 (event time), not when its window closes at 8:00.
  assert.equal(r.noGoAt, new Date(T0 + 7 * MIN + 5 * SEC).toISOString());
  assert.equal(why.cause, 'release');
});

test('three failed probes (below minFailed 4) or a baseline failing as often do not trip it', () => {
  const few = createEngine();
  few.ingest([...fleet(12), ...probes(12, (id, i) => id === 'c1' && [8, 9, 10].includes(i))]);
  assert.equal(probeReason(few.evaluate('r1')), undefined);
  const fleetWide = createEngine();
  fleetWide.ingest([...fleet(12), ...probes(12, (_id, i) => i >= 8 && i % 2 === 0)]);
  assert.equal(fleetWide.evaluate('r1').reasons.find((x) => x.message.includes('thresholds.failedProbes')), undefined);
});

test('a sparse ~1% failure rate spread over time never adds up inside the 5m span; minFailed 0 disables', () => {
  const sparse = createEngine();
  // One failure every 6 minutes: at most one inside any 5-minute span.
  sparse.ingest([...fleet(30), ...probes(30, (id, i) => id === 'c1' && i % 12 === 3)]);
  assert.equal(probeReason(sparse.evaluate('r1')), undefined);
  const off = createEngine({ policy: { thresholds: { failedProbes: { ratio: 0.2, minFailed: 0, within: '5m' } } } });
  off.ingest([...fleet(12), ...probes(12, (id, i) => id === 'c1' && i >= 8)]);
  assert.equal(off.evaluate('r1').reasons.find((x) => x.message.includes('thresholds.failedProbes')), undefined);
});
