import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fisherExact } from './fisher.js';

const close = (actual: number, expected: number, rel = 1e-9): void =>
  assert.ok(Math.abs(actual - expected) <= rel * Math.abs(expected), `${actual} != ${expected}`);

// Reference values: scipy.stats.fisher_exact 1.17 (same as R's fisher.test).
test("Fisher's lady tasting tea", () => {
  const t = { a: 3, b: 1, c: 1, d: 3 };
  close(fisherExact(t).pValue, 0.48571428571428565);
  close(fisherExact(t, 'greater').pValue, 0.24285714285714283);
  assert.equal(fisherExact(t).oddsRatio, 9);
});

test('Wikipedia example (dieting by sex)', () => {
  const t = { a: 1, b: 9, c: 11, d: 3 };
  close(fisherExact(t).pValue, 0.0027594561852200836);
  close(fisherExact(t, 'less').pValue, 0.0013797280926100418);
  close(fisherExact(t, 'greater').pValue, 0.9999663480953022);
});

test('attribution shape: 3/3 failing on one kernel, 0/9 elsewhere', () => {
  const t = { a: 3, b: 0, c: 0, d: 9 };
  close(fisherExact(t, 'greater').pValue, 0.004545454545454545);
  close(fisherExact(t).pValue, 0.004545454545454546);
  assert.equal(fisherExact(t).oddsRatio, Infinity);
});

test('asymmetric table', () => {
  const t = { a: 7, b: 2, c: 3, d: 12 };
  close(fisherExact(t).pValue, 0.010372434807082808);
  close(fisherExact(t, 'greater').pValue, 0.00884127314333264);
  close(fisherExact(t, 'less').pValue, 0.9995105177498501);
});

test('rejects negative or fractional counts', () => {
  assert.throws(() => fisherExact({ a: -1, b: 0, c: 0, d: 0 }), RangeError);
  assert.throws(() => fisherExact({ a: 1.5, b: 0, c: 0, d: 0 }), RangeError);
});
