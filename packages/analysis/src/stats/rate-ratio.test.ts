import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addToWindow, logChangeWeight, rateDispersion, rateRatioTest, robustRateRatioTest, type CountCell, type RateRatioResult, type RateWindow } from './rate-ratio.js';

/**
 * log Σ_g (1/16) Π_windows LR(θ_g), written from the formula (not the code): the evidence of one
 * statistic from the first window, with no change-start mixture.
 */
function gridMixtureByHand(windows: readonly RateWindow[], r: number): number {
  let sum = 0;
  for (let g = 1; g <= 16; g++) {
    const theta = r * Math.exp((g * Math.log(64)) / 16);
    let ll = 0;
    for (const w of windows) {
      const share = w.canaryExposure / (w.canaryExposure + w.baselineExposure);
      const p0 = (r * share) / (r * share + 1 - share);
      const p = (theta * share) / (theta * share + 1 - share);
      ll += w.canary * Math.log(p / p0) + w.baseline * Math.log((1 - p) / (1 - p0));
    }
    sum += Math.exp(ll) / 16;
  }
  return Math.log(sum);
}

test('one window: the evidence is the grid mixture of conditional binomial likelihood ratios, times the weight of a start at the first window', () => {
  // s = 1/4 of the exposure in the canary, r = 1.1: p0 = 1.1/4.3.
  const window = { canary: 6, baseline: 2, canaryExposure: 100, baselineExposure: 300 };
  const t = rateRatioTest([window], { allowedRatio: 1.1 });
  const sum = Math.exp(gridMixtureByHand([window], 1.1));
  assert.ok(Math.abs(t.logEvidence - Math.log(0.9 * sum)) < 1e-9);
  assert.ok(Math.abs(t.pValue - Math.min(1, 1 / (0.9 * sum))) < 1e-12);
  assert.ok(Math.abs(t.ratio - 9) < 1e-12);
});

test('windows with a constant exposure share pool within a start: two halves give the pooled evidence plus the start at the second', () => {
  const one = (w: { canary: number; baseline: number }) => rateRatioTest([{ ...w, canaryExposure: 100 * (w === whole ? 2 : 1), baselineExposure: 300 * (w === whole ? 2 : 1) }], { allowedRatio: 1.1 });
  const whole = { canary: 10, baseline: 6 };
  const second = { canary: 6, baseline: 3 };
  const pooled = one(whole);
  const split = rateRatioTest(
    [
      { canary: 4, baseline: 3, canaryExposure: 100, baselineExposure: 300 },
      { canary: 6, baseline: 3, canaryExposure: 100, baselineExposure: 300 },
    ],
    { allowedRatio: 1.1 },
  );
  // 0.9 Σ w LR1 LR2 (= the pooled mixture, the share being constant) + π_1 Σ w LR2.
  const expected = Math.log(Math.exp(pooled.logEvidence) + (Math.exp(logChangeWeight(1)) / 0.9) * Math.exp(one(second).logEvidence));
  assert.ok(Math.abs(split.logEvidence - expected) < 1e-9);
});

test('start weights: 0.9 at the first window, the rest spread so that they sum to 1', () => {
  assert.ok(Math.abs(Math.exp(logChangeWeight(0)) - 0.9) < 1e-15);
  let total = 0;
  for (let j = 0; j < 1_000_000; j++) total += Math.exp(logChangeWeight(j));
  assert.ok(total <= 1 + 1e-12 && total > 1 - 1e-6, String(total));
});

test('a fault that begins later is judged on its own windows: the windows before it cost at most log(1 / π_j)', () => {
  // 5 minutes at the baseline's rate with thousands of requests, then the canary's errors x4.
  const before = Array.from({ length: 5 }, () => ({ canary: 8, baseline: 32, canaryExposure: 1300, baselineExposure: 5200 }));
  const after = Array.from({ length: 2 }, () => ({ canary: 32, baseline: 32, canaryExposure: 1300, baselineExposure: 5200 }));
  const all = rateRatioTest([...before, ...after], { allowedRatio: 1.1 });
  const alone = rateRatioTest(after, { allowedRatio: 1.1 });
  assert.ok(all.maxLogEvidence >= alone.logEvidence - Math.log(0.9) + logChangeWeight(5) - 1e-9);
  assert.ok(all.maxLogEvidence > Math.log(1 / 0.001), `decided within two windows of the fault: ${all.maxLogEvidence}`);
  // The same data as one statistic from the first window (the test before change points): the
  // five quiet windows outweigh the rise.
  const single = gridMixtureByHand([...before, ...after], 1.1);
  assert.ok(single < Math.log(1 / 0.001) && single < all.maxLogEvidence - 10, `one statistic from the start: ${single}`);
});

test('no evidence when the canary is no worse; overdispersion shrinks it; the running maximum is kept', () => {
  assert.ok(rateRatioTest([{ canary: 2, baseline: 9, canaryExposure: 100, baselineExposure: 300 }], { allowedRatio: 1.1 }).logEvidence < 0);
  const w = [{ canary: 12, baseline: 3, canaryExposure: 100, baselineExposure: 300 }];
  assert.ok(rateRatioTest(w, { allowedRatio: 1.1, dispersion: 3 }).logEvidence < rateRatioTest(w, { allowedRatio: 1.1 }).logEvidence);
  const t = rateRatioTest([...w, { canary: 0, baseline: 30, canaryExposure: 100, baselineExposure: 300 }], { allowedRatio: 1.1 });
  assert.ok(t.maxLogEvidence > t.logEvidence);
});

test('dispersion: ~1 for Poisson-like cells, large for a bursty fleet, and one canary burst alone never rejects', () => {
  const steady: CountCell[] = [];
  for (let w = 0; w < 10; w++) for (let i = 0; i < 4; i++) steady.push({ window: w, instance: `i${i}`, canary: i === 0, count: (w + i) % 3 === 0 ? 2 : 1, exposure: 60 });
  assert.ok(rateDispersion(steady, 1.1) < 1.5);
  const fleetBursts: CountCell[] = steady.map((c) => ({ ...c, count: c.window === 4 && c.instance !== 'i2' ? 30 : c.count }));
  assert.ok(rateDispersion(fleetBursts, 1.1) > 5);
  // One canary burst among steady baselines: pooled with the baseline's pairs it widens the
  // dispersion less, and the trimmed test (largest canary cell cut) is what keeps it from failing.
  const burst: CountCell[] = steady.map((c) => ({ ...c, count: c.canary && c.window === 4 ? 30 : c.canary ? 0 : c.count }));
  assert.ok(rateDispersion(burst, 1.1) > 2);
  const windows = Array.from({ length: 10 }, (_, w) => ({ canary: w === 4 ? 30 : 0, baseline: 3, canaryExposure: 60, baselineExposure: 180 }));
  const robust = robustRateRatioTest(windows, burst, 1.1);
  assert.ok(robust.withoutLargest.canary === 0 && robust.maxLogEvidence < Math.log(100), `${robust.maxLogEvidence}`);
});

test('dispersion: a canary whose rate steps up (a fault) does not read as overdispersed', () => {
  // 20 windows, 1 canary + 3 baselines at ~5 errors/window; from window 8 the canary logs 5x more,
  // with Poisson-like scatter. Around a pooled rate the step alone would give a dispersion of ~10.
  const scatter = [0, 1, -1, 2, -2, 1, 0, -1];
  const cells: CountCell[] = [];
  for (let w = 0; w < 20; w++) {
    for (let i = 0; i < 4; i++) {
      const base = i === 0 && w >= 8 ? 25 : 5;
      const noise = scatter[(w + 3 * i) % scatter.length]! * (base === 25 ? 2 : 1);
      cells.push({ window: w, instance: `i${i}`, canary: i === 0, count: base + noise, exposure: 60 });
    }
  }
  const phi = rateDispersion(cells, 1.1);
  assert.ok(phi < 2, `dispersion ${phi}`);
});

test('dispersion: a Poisson-looking canary with few pairs does not impose its own noisy estimate', () => {
  // The canary alternates 0, 3 (each pair reads 3); four baselines are steady (pairs read ~0.3-1).
  // Under the null the canary is one more healthy instance: its pairs are pooled with the
  // baseline's, not taken alone as the comparison's dispersion (as the larger of the two was).
  const cells: CountCell[] = [];
  for (let w = 0; w < 10; w++) {
    cells.push({ window: w, instance: 'c', canary: true, count: w % 2 === 0 ? 0 : 3, exposure: 60 });
    for (let i = 0; i < 4; i++) cells.push({ window: w, instance: `b${i}`, canary: false, count: 1 + ((w + i) % 2), exposure: 60 });
  }
  const phi = rateDispersion(cells, 1.1);
  assert.ok(phi > 1 && phi < 2, `dispersion ${phi}`);
  const canaryAlone = rateDispersion(cells.map((c) => (c.canary ? c : { ...c, count: c.window % 2 === 0 ? 0 : 3 })), 1.1);
  assert.ok(canaryAlone > 2.5, `a fleet that alternates like the canary: ${canaryAlone}`);
});

/**
 * rateRatioTest in one loop, each window's terms computed where they are summed (the change-start
 * mixture included): the split computation (terms first, reused by the robust test) must give the
 * same, bit for bit.
 */
function referenceTest(windows: readonly RateWindow[], allowedRatio: number, dispersion: number): RateRatioResult {
  const GRID = 16;
  const Q = Array.from({ length: GRID }, (_, j) => Math.exp((j + 1) * (Math.log(64) / GRID)));
  const phi = Math.max(1, dispersion);
  const r = allowedRatio;
  const logR = new Float64Array(GRID).fill(-Infinity);
  const addExp = (x: number, y: number): number => (x === -Infinity ? y : y === -Infinity ? x : x > y ? x + Math.log1p(Math.exp(y - x)) : y + Math.log1p(Math.exp(x - y)));
  const mixture = (): number => {
    let max = -Infinity;
    for (let g = 0; g < GRID; g++) if (logR[g]! > max) max = logR[g]!;
    let sum = 0;
    for (let g = 0; g < GRID; g++) sum += Math.exp(logR[g]! - max);
    return max + Math.log(sum) + -Math.log(GRID);
  };
  let c = 0;
  let b = 0;
  let ec = 0;
  let eb = 0;
  let maxLog = 0;
  let logM = 0;
  for (let j = 0; j < windows.length; j++) {
    const w = windows[j]!;
    c += w.canary;
    b += w.baseline;
    ec += w.canaryExposure;
    eb += w.baselineExposure;
    for (let g = 0; g < GRID; g++) logR[g] = addExp(logR[g]!, logChangeWeight(j));
    if (w.canary + w.baseline === 0 || !(w.canaryExposure > 0) || !(w.baselineExposure > 0)) continue;
    const s = w.canaryExposure / (w.canaryExposure + w.baselineExposure);
    const p0 = (r * s) / (r * s + 1 - s);
    const logP0 = Math.log(p0);
    const logQ0 = Math.log1p(-p0);
    for (let g = 0; g < GRID; g++) {
      const theta = r * Q[g]!;
      const p = (theta * s) / (theta * s + 1 - s);
      logR[g]! += (w.canary * (Math.log(p) - logP0) + w.baseline * (Math.log1p(-p) - logQ0)) / phi;
    }
    logM = mixture();
    if (logM > maxLog) maxLog = logM;
  }
  const ratio = eb > 0 && ec > 0 ? (b > 0 ? c / ec / (b / eb) : c > 0 ? Infinity : 1) : NaN;
  return { logEvidence: logM, maxLogEvidence: maxLog, pValue: Math.min(1, Math.exp(-maxLog)), canary: c, baseline: b, canaryExposure: ec, baselineExposure: eb, ratio };
}

test('rateRatioTest and the robust test give exactly what the undivided computation gave', () => {
  let seed = 11;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  for (let round = 0; round < 400; round++) {
    const windows: RateWindow[] = [];
    const cells: CountCell[] = [];
    const n = rand(25);
    for (let i = 0; i < n; i++) {
      const w = { canary: 0, baseline: 0, canaryExposure: 0, baselineExposure: 0 };
      for (const [instance, canary] of [['c1', true], ['b1', false], ['b2', false]] as const) {
        const count = rand(4) === 0 ? rand(40) : rand(3);
        const exposure = rand(5) === 0 ? 0 : (1 + rand(300)) / 7;
        addToWindow(w, canary, count, exposure);
        cells.push({ window: i, instance, canary, count, exposure });
      }
      windows.push(w);
    }
    const r = 1 + rand(5) / 10;
    const dispersion = 1 + rand(30) / 10;
    assert.deepEqual(rateRatioTest(windows, { allowedRatio: r, dispersion }), referenceTest(windows, r, dispersion));
    const robust = robustRateRatioTest(windows, cells, r);
    assert.deepEqual(robust.test, referenceTest(windows, r, robust.dispersion));
    let largest: CountCell | undefined;
    let second = 0;
    for (const x of cells) {
      if (!x.canary) continue;
      if (x.count > (largest?.count ?? 0)) {
        second = largest?.count ?? 0;
        largest = x;
      } else if (x.count > second) second = x.count;
    }
    const trimmed = largest ? windows.map((w, i) => (i === largest.window ? { ...w, canary: w.canary - (largest.count - second) } : w)) : windows;
    assert.deepEqual(robust.withoutLargest, referenceTest(trimmed, r, robust.dispersion));
  }
});
