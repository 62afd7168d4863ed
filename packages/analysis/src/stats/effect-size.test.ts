import { test } from 'node:test';
import assert from 'node:assert/strict';
import { effectSize, hodgesLehmann } from './effect-size.js';

test('Hodges-Lehmann shift is the median pairwise difference (numpy value)', () => {
  const c = [1.1, 2.3, 3.7, 4.2, 5.9, 6.1, 7.4, 8.8, 9.3, 10.5];
  const d = [0.5, 1.9, 2.2, 2.8, 3.1, 3.3, 4.9, 5.2, 6.6, 7.0, 7.7, 8.1];
  assert.ok(Math.abs(hodgesLehmann(c, d) - 1.45) < 1e-9);
});

test('Hodges-Lehmann recovers a pure shift', () => {
  const base = [10, 12, 15, 11, 13];
  assert.equal(hodgesLehmann(base.map((v) => v + 5), base), 5);
});

test('Hodges-Lehmann on large samples (subsampled pairs) stays close to the exact value', () => {
  // Periodic data is the worst case for a strided subset (aliasing); the exact answer is 3.
  const x = Array.from({ length: 400 }, (_, i) => (i % 37) + 3);
  const y = Array.from({ length: 300 }, (_, i) => i % 37);
  assert.ok(Math.abs(hodgesLehmann(x, y) - 3) <= 1, String(hodgesLehmann(x, y)));
  const z = Array.from({ length: 300 }, (_, i) => i % 12);
  assert.ok(Math.abs(hodgesLehmann(z.map((v) => v + 5), z) - 5) <= 1);
});

test('effect size: mean ratio and relative increase, zero baseline handled', () => {
  const e = effectSize([2, 2, 2], [1, 1, 1]);
  assert.equal(e.meanRatio, 2);
  assert.equal(e.relativeIncrease, 1);
  const z = effectSize([1, 0, 0], [0, 0, 0]);
  assert.equal(z.meanRatio, Infinity);
  assert.equal(z.relativeIncrease, Infinity);
  assert.equal(effectSize([0], [0]).relativeIncrease, 0);
});
