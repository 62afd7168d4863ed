import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cumulativeSpend, lookAlpha, SPENDING_FUNCTIONS } from './alpha-spending.js';

test('every spending function spends exactly alpha at t = 1 and nothing at t = 0', () => {
  for (const kind of SPENDING_FUNCTIONS) {
    assert.ok(Math.abs(cumulativeSpend(kind, 0.01, 1) - 0.01) < 1e-9, kind);
    assert.equal(cumulativeSpend(kind, 0.01, 0), 0);
  }
});

test("O'Brien-Fleming spends almost nothing early, Pocock spends evenly", () => {
  assert.ok(cumulativeSpend('obrien-fleming', 0.05, 0.2) < 1e-4);
  // Lan-DeMets Pocock at t = 0.5: alpha * ln(1 + (e - 1) / 2) = 0.6201 alpha.
  assert.ok(Math.abs(cumulativeSpend('pocock', 0.05, 0.5) / 0.05 - 0.6201) < 1e-3);
});

test('per-look alphas sum to the budget over an unbounded number of looks', () => {
  for (const kind of SPENDING_FUNCTIONS) {
    const o = { kind, alpha: 0.01, plannedLooks: 30, tailShare: 0.1 };
    let sum = 0;
    for (let k = 1; k <= 1_000_000; k++) sum += lookAlpha(k, o);
    // The tail after 10^6 looks is 0.001 * 30 / 10^6.
    assert.ok(sum <= 0.01 + 1e-12 && sum > 0.01 - 1e-7, `${kind}: ${sum}`);
    for (let k = 1; k <= 40; k++) assert.ok(lookAlpha(k, o) >= 0);
  }
});

test('rejects look 0', () => {
  assert.throws(() => lookAlpha(0, { kind: 'pocock', alpha: 0.01, plannedLooks: 10, tailShare: 0.1 }), RangeError);
});
