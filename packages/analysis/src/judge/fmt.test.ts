import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fmt } from './compare.js';

/** fmt as it was before its integer fast path: the fast path must give the same text. */
function reference(v: number, digits = 4): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const abs = Math.abs(v);
  return abs >= 1000 ? v.toFixed(0) : Number(v.toPrecision(digits)).toString();
}

test('fmt: integers print as before the fast path, at every precision it is called with', () => {
  for (const digits of [1, 2, 3, 4, 6]) {
    for (let v = -1200; v <= 1200; v++) assert.equal(fmt(v, digits), reference(v, digits), `${v} at ${digits}`);
  }
});

test('fmt: fractions, large and non-finite values are unchanged', () => {
  for (const v of [0.5, -0.25, 1 / 3, 99.95, 999.96, 999.5, 12.3456789, 1e-9, 123456.7, 2 ** 53 + 2, Infinity, -Infinity, Number.NaN, -0]) {
    for (const digits of [3, 4]) assert.equal(fmt(v, digits), reference(v, digits), `${v} at ${digits}`);
  }
});
