import { test } from 'node:test';
import assert from 'node:assert/strict';
import { confusionOf, detectionMetrics, distribution, median, percentile, ratio } from './stats.js';

test('percentile interpolates linearly between order statistics (numpy default)', () => {
  const v = [10, 1, 4, 3, 2, 9, 8, 7, 6, 5];
  assert.equal(percentile(v, 0), 1);
  assert.equal(percentile(v, 100), 10);
  assert.equal(percentile(v, 50), 5.5);
  // rank = 0.95 * 9 = 8.55 → 9 + 0.55 * (10 - 9)
  assert.ok(Math.abs(percentile(v, 95) - 9.55) < 1e-12);
  assert.ok(Math.abs(percentile(v, 99) - 9.91) < 1e-12);
  assert.equal(median([3, 1, 2]), 2);
  assert.ok(Number.isNaN(percentile([], 50)));
  assert.throws(() => percentile([1], 101), RangeError);
});

test('percentile does not reorder its input', () => {
  const v = [3, 1, 2];
  percentile(v, 50);
  assert.deepEqual(v, [3, 1, 2]);
});

test('distribution is JSON-safe when empty', () => {
  assert.deepEqual(distribution([]), { n: 0, min: null, p50: null, p95: null, p99: null, max: null, mean: null });
  const d = distribution([100, 200, 300]);
  assert.equal(d.n, 3);
  assert.equal(d.p50, 200);
  assert.equal(d.mean, 200);
  assert.equal(d.max, 300);
});

test('precision, recall, FPR and F1 from a hand-made confusion matrix', () => {
  // 100 bad rollouts: 90 caught, 10 missed; 200 good: 4 flagged, 196 passed.
  const m = detectionMetrics({ tp: 90, fn: 10, fp: 4, tn: 196 });
  assert.equal(m.precision, 90 / 94);
  assert.equal(m.recall, 0.9);
  assert.equal(m.falsePositiveRate, 0.02);
  assert.ok(Math.abs(m.f1! - (2 * (90 / 94) * 0.9) / (90 / 94 + 0.9)) < 1e-12);
  assert.equal(m.accuracy, 286 / 300);
});

test('undefined ratios are null rather than NaN or a misleading 0', () => {
  const none = detectionMetrics({ tp: 0, fn: 0, fp: 0, tn: 5 });
  assert.equal(none.precision, null);
  assert.equal(none.recall, null);
  assert.equal(none.falsePositiveRate, 0);
  assert.equal(none.f1, null);
  assert.throws(() => detectionMetrics({ tp: -1, fn: 0, fp: 0, tn: 0 }), RangeError);
});

test('confusionOf tallies labelled outcomes', () => {
  const c = confusionOf([
    { bad: true, flagged: true },
    { bad: true, flagged: false },
    { bad: false, flagged: true },
    { bad: false, flagged: false },
    { bad: false, flagged: false },
  ]);
  assert.deepEqual(c, { tp: 1, fn: 1, fp: 1, tn: 2 });
});

test('ratio guards against missing or zero baselines', () => {
  assert.equal(ratio(7, 10), 0.7);
  assert.equal(ratio(1, 0), null);
  assert.equal(ratio(null, 3), null);
  assert.equal(ratio(1, 3, 2), 0.33);
});
