import { test } from 'node:test';
import assert from 'node:assert/strict';
import { medianUnbiasFactor, shiftTest, type ShiftCell } from './log-shift.js';
import { normalUpperTail } from './normal.js';

const cells = (rows: number[][]): ShiftCell[] => rows.flatMap((values, w) => values.map((value, i) => ({ window: w, instance: `i${i}`, canary: i === 0, value })));

test('the evidence is the compound-symmetric Gaussian mixture likelihood ratio with a half-normal prior', () => {
  const rows = [
    [0.5, 0.01, -0.02, 0.0],
    [0.45, -0.01, 0.03, 0.01],
    [0.52, 0.0, 0.01, -0.03],
  ];
  const m = Math.log(1.1);
  const t = shiftTest(cells(rows), { margin: m, fromStartOnly: true })!;
  assert.equal(t.windows, 3);
  const d = rows.map((r) => r[0]! - (r[1]! + r[2]! + r[3]!) / 3);
  assert.ok(Math.abs(t.shift - d.reduce((a, b) => a + b) / 3) < 1e-12);
  const S = d.reduce((a, b) => a + b - m, 0);
  const n = 3;
  const tau = 2 * m;
  const a0 = t.windowVariance + n * t.offsetVariance;
  const a1 = a0 + n * tau * tau;
  const expected = 0.5 * Math.log(a0 / a1) + ((S * S) / (2 * n)) * (1 / a0 - 1 / a1) + Math.log(2 * normalUpperTail((-(S / a0) * tau) / Math.sqrt(1 + (tau * tau * n) / a0)));
  assert.ok(Math.abs(t.logEvidence - expected) < 1e-9);
  assert.ok(t.logEvidence > Math.log(100), 'a +57% shift over 3 quiet windows is strong evidence');
  // With the change-start tests (the default) the evidence is the best start, each start k paying
  // log(1/w_k): from the first window that is the same likelihood ratio at half the weight.
  const any = shiftTest(cells(rows), { margin: m })!;
  assert.ok(any.logEvidence >= expected - Math.LN2 - 1e-9);
});

test('a shift that starts after the canary did is found by the change-start tests, not diluted', () => {
  const m = Math.log(1.1);
  // 6 calm windows, then the canary 35% slower for 6: from the start the mean is diluted to ~+16%.
  const rows = Array.from({ length: 12 }, (_, w) => [(w >= 6 ? Math.log(1.35) : 0) + 0.01 * (w % 3), 0.01 * (w % 2), -0.01 * (w % 3), 0.005 * (w % 2)]);
  const fromStart = shiftTest(cells(rows), { margin: m, fromStartOnly: true })!;
  const changeStart = shiftTest(cells(rows), { margin: m })!;
  assert.ok(changeStart.logEvidence > fromStart.logEvidence + 2, `${changeStart.logEvidence} vs ${fromStart.logEvidence}`);
  // A canary that was faster before and is within the margin after never gains from its past.
  const within = rows.map((r, w) => [(w >= 6 ? 0.05 : -0.3) + r[1]!, r[1]!, r[2]!, r[3]!]);
  assert.equal(shiftTest(cells(within), { margin: m })!.logEvidence, -Infinity);
});

test('a shift within the margin, or a canary that is better, gives no evidence', () => {
  assert.equal(shiftTest(cells([[0.05, 0, 0.01, -0.01], [0.06, 0.01, 0, 0]]), { margin: Math.log(1.1) })!.logEvidence, -Infinity);
  assert.equal(shiftTest(cells([[-0.5, 0, 0.01, -0.01], [-0.4, 0.01, 0, 0]]), { margin: Math.log(1.1) })!.logEvidence, -Infinity);
});

test('a slow baseline instance widens the instance spread and weakens the evidence', () => {
  const rows = Array.from({ length: 6 }, (_, w) => [0.4 + 0.01 * (w % 2), 0.01 * (w % 3), -0.01 * (w % 2), 0]);
  const calm = shiftTest(cells(rows), { margin: Math.log(1.1) })!;
  const slow = shiftTest(cells(rows.map((r) => [r[0]!, r[1]!, r[2]! + 0.5, r[3]!])), { margin: Math.log(1.1) })!;
  assert.ok(slow.offsetVariance > calm.offsetVariance);
  assert.ok(slow.logEvidence < calm.logEvidence);
});

test('not judged without a noise estimate; median-unbiased factor > 1, -> 1 with many degrees of freedom', () => {
  assert.equal(shiftTest(cells([[0.5, 0, 0.01, 0]]), { margin: 0.1 }), null);
  assert.ok(medianUnbiasFactor(2) > 1.3 && medianUnbiasFactor(1000) < 1.001);
});
