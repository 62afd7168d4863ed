import { test } from 'node:test';
import assert from 'node:assert/strict';
import { wilcoxonRankSum } from 'simple-statistics';
import { exactCdf, mannWhitney } from './mann-whitney.js';

const close = (actual: number, expected: number, rel = 1e-6): void =>
  assert.ok(Math.abs(actual - expected) <= rel * Math.abs(expected) + 1e-12, `${actual} != ${expected}`);

// Reference values: scipy.stats.mannwhitneyu 1.17 (the example from its documentation and others).
const males = [19, 22, 16, 29, 24];
const females = [20, 11, 17, 12];

test('exact method matches scipy (no ties, small samples)', () => {
  const two = mannWhitney(males, females);
  assert.equal(two.method, 'exact');
  assert.equal(two.u, 17);
  assert.equal(two.uY, 3);
  close(two.pValue, 0.1111111111111111);
  close(mannWhitney(males, females, { alternative: 'greater' }).pValue, 0.05555555555555555);
  close(mannWhitney(males, females, { alternative: 'less' }).pValue, 0.9682539682539683);
});

test('asymptotic method with continuity correction matches scipy', () => {
  const opts = { method: 'asymptotic' as const };
  close(mannWhitney(males, females, opts).pValue, 0.11134688653314041);
  close(mannWhitney(males, females, { ...opts, alternative: 'greater' }).pValue, 0.055673443266570206);
  close(mannWhitney(males, females, { ...opts, alternative: 'less' }).pValue, 0.9669037101389033);
});

test('ties use mid-ranks and the tie-corrected variance (scipy values)', () => {
  const a = [0, 0, 1, 2, 0, 3, 1, 0];
  const b = [0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0];
  const r = mannWhitney(a, b, { alternative: 'greater' });
  assert.equal(r.method, 'asymptotic');
  assert.equal(r.ties, true);
  assert.equal(r.u, 66);
  close(r.pValue, 0.04704798364200929);
  close(mannWhitney(a, b).pValue, 0.09409596728401858);
  close(mannWhitney(a, b, { alternative: 'less' }).pValue, 0.9616233887507926);
});

test('10 x 12 exact and asymptotic (scipy values)', () => {
  const c = [1.1, 2.3, 3.7, 4.2, 5.9, 6.1, 7.4, 8.8, 9.3, 10.5];
  const d = [0.5, 1.9, 2.2, 2.8, 3.1, 3.3, 4.9, 5.2, 6.6, 7.0, 7.7, 8.1];
  const exact = mannWhitney(c, d, { alternative: 'greater' });
  assert.equal(exact.u, 78);
  close(exact.pValue, 0.12715148628461323);
  close(mannWhitney(c, d, { alternative: 'greater', method: 'asymptotic' }).pValue, 0.12426733958652902);
});

test('U agrees with the rank sum from simple-statistics', () => {
  const c = [3, 8, 1, 9, 4];
  const d = [2, 7, 5, 6];
  const r = mannWhitney(c, d);
  assert.equal(r.u, wilcoxonRankSum(c, d) - (c.length * (c.length + 1)) / 2);
});

test('exact distribution equals brute-force enumeration of all splits', () => {
  // Independent check: enumerate every way to pick m of m+n ranks and count U.
  const m = 4;
  const n = 5;
  const counts = new Array<number>(m * n + 1).fill(0);
  let total = 0;
  const pick = (start: number, chosen: number[]): void => {
    if (chosen.length === m) {
      const rankSum = chosen.reduce((s, r) => s + r + 1, 0);
      counts[rankSum - (m * (m + 1)) / 2]!++;
      total++;
      return;
    }
    for (let r = start; r < m + n; r++) pick(r + 1, [...chosen, r]);
  };
  pick(0, []);
  const cdf = exactCdf(m, n);
  let running = 0;
  for (let u = 0; u <= m * n; u++) {
    running += counts[u]!;
    close(cdf[u]!, running / total, 1e-12);
  }
});

test('all-equal samples give p = 1, not NaN', () => {
  const r = mannWhitney([0, 0, 0], [0, 0, 0, 0]);
  assert.equal(r.pValue, 1);
});

test('rejects empty or non-finite samples', () => {
  assert.throws(() => mannWhitney([], [1]), RangeError);
  assert.throws(() => mannWhitney([Number.NaN], [1]), RangeError);
});
