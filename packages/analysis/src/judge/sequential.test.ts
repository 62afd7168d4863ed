// Repeated looks: a good canary checked at every window, for as long as it runs, must not fail more
// often than the budget. Each signal's test is always valid (a mixture likelihood ratio, Ville's
// inequality), so no alpha is spent per look. Simulated here: 1,000 good rollouts x 30 looks per
// test, at the null's boundary and with realistic heterogeneity, seeded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_POLICY } from '../policy/defaults.js';
import { Rng } from '../scenarios/rng.js';
import { shiftTest, type ShiftCell } from '../stats/log-shift.js';
import { addToWindow, robustRateRatioTest, type CountCell, type RateWindow } from '../stats/rate-ratio.js';
import { signalAlpha } from './compare.js';

const REPS = 1000;
const LOOKS = 30;
const ALPHA = 0.01;

/** Share of rollouts whose rate test rejects at any of the looks (every window). */
function rateFalseAlarms(seed: number, perWindow: (rng: Rng, instance: number) => { count: number; exposure: number }, canaries: number, baselines: number): number {
  const rng = new Rng(seed);
  let rejected = 0;
  for (let rep = 0; rep < REPS; rep++) {
    const windows: RateWindow[] = [];
    const cells: CountCell[] = [];
    for (let k = 0; k < LOOKS; k++) {
      const w: RateWindow = { canary: 0, baseline: 0, canaryExposure: 0, baselineExposure: 0 };
      for (let i = 0; i < canaries + baselines; i++) {
        const { count, exposure } = perWindow(rng, i);
        const canary = i < canaries;
        addToWindow(w, canary, count, exposure);
        cells.push({ window: k, instance: `i${i}`, canary, count, exposure });
      }
      windows.push(w);
      if (robustRateRatioTest(windows, cells, 1.1).maxLogEvidence >= Math.log(1 / ALPHA)) {
        rejected++;
        break;
      }
    }
  }
  return rejected / REPS;
}

test('rate ratio: at the null boundary (canary rate exactly 1.1x), 30 looks stay within alpha', () => {
  // 1 canary vs 3 baselines, 6 log lines/min each, error share 5% (baseline) and 5.5% (canary).
  const rate = rateFalseAlarms(1, (rng, i) => {
    const lines = rng.poisson(60);
    return { count: rng.binomial(lines, i === 0 ? 0.055 : 0.05), exposure: lines };
  }, 1, 3);
  assert.ok(rate <= ALPHA, `false alarms ${rate}`);
});

test('rate ratio: bursty, heterogeneous good instances (same fleet) stay within alpha', () => {
  // Each instance has its own level (+-30%) and logs errors in bursts of 1-6 lines.
  const levels = new Map<number, number>();
  let rep = -1;
  const rate = rateFalseAlarms(2, (rng, i) => {
    if (i === 0) {
      rep++;
      levels.clear();
    }
    if (!levels.has(i)) levels.set(i, Math.exp(rng.normal(0, 0.3)));
    const lines = rng.poisson(6);
    let count = 0;
    for (let b = rng.poisson(0.1 * levels.get(i)!); b > 0; b--) count += rng.int(1, 6);
    return { count, exposure: lines + count };
  }, 1, 3);
  assert.ok(rep >= 0);
  // A harsh case (a +-30% spread of healthy instances, bursts of up to 6 lines, estimated from a
  // few windows): measured 1.4%; the dispersion is a plug-in estimate, so "alpha-ish".
  assert.ok(rate <= 2 * ALPHA, `false alarms ${rate}`);
});

test('rate ratio: the same looks at a fixed per-look alpha would inflate false alarms (why always-valid)', () => {
  const rng = new Rng(3);
  let rejected = 0;
  for (let rep = 0; rep < REPS; rep++) {
    let c = 0;
    let b = 0;
    for (let k = 0; k < LOOKS; k++) {
      c += rng.poisson(1);
      b += rng.poisson(3);
      // One-sided conditional binomial p-value, normal approximation, fresh at every look.
      const n = c + b;
      if (n === 0) continue;
      const z = (c - n * 0.25) / Math.sqrt(n * 0.25 * 0.75);
      if (z > 2.326) {
        rejected++;
        break;
      }
    }
  }
  assert.ok(rejected / REPS > 3 * ALPHA, `naive repeated looks: ${rejected / REPS}`);
});

/** Share of rollouts whose shift test rejects at any look. */
function shiftFalseAlarms(seed: number, o: { shift: number; offsetSd: number; noiseSd: number; baselines: number; canaries?: number; slowBaseline?: number; noisyBaseline?: number }): number {
  const rng = new Rng(seed);
  const margin = Math.log(1.1);
  let rejected = 0;
  for (let rep = 0; rep < REPS; rep++) {
    const nc = o.canaries ?? 1;
    const offsets = Array.from({ length: nc + o.baselines }, (_, i) => rng.normal(0, o.offsetSd) + (i === nc ? (o.slowBaseline ?? 0) : 0));
    const cells: ShiftCell[] = [];
    for (let k = 0; k < LOOKS; k++) {
      const common = rng.normal(0, 0.1); // load hits everyone
      for (let i = 0; i < nc + o.baselines; i++) {
        const noise = rng.normal(0, i === nc + 1 ? (o.noisyBaseline ?? o.noiseSd) : o.noiseSd);
        cells.push({ window: k, instance: `i${i}`, canary: i < nc, value: Math.log(100) + common + offsets[i]! + noise + (i < nc ? o.shift : 0) });
      }
      const t = shiftTest(cells, { margin });
      if (t && t.logEvidence >= Math.log(1 / ALPHA)) {
        rejected++;
        break;
      }
    }
  }
  return rejected / REPS;
}

test('log shift: at the null boundary (canary exactly +10%), 30 looks stay within alpha', () => {
  const rate = shiftFalseAlarms(4, { shift: Math.log(1.1), offsetSd: 0, noiseSd: 0.05, baselines: 3 });
  assert.ok(rate <= ALPHA, `false alarms ${rate}`);
});

test('log shift: heterogeneous instances, one slow and one noisy baseline, no false alarms beyond alpha', () => {
  for (const [seed, o] of [
    [5, { shift: 0, offsetSd: 0.04, noiseSd: 0.05, baselines: 3 }],
    [6, { shift: 0, offsetSd: 0.03, noiseSd: 0.05, baselines: 3, slowBaseline: 0.4 }],
    [7, { shift: 0, offsetSd: 0.03, noiseSd: 0.05, baselines: 3, noisyBaseline: 0.4 }],
    [8, { shift: 0, offsetSd: 0.03, noiseSd: 0.2, baselines: 6 }],
    // Several canaries: their spread joins the baseline's in the offset variance. (At the exact
    // boundary, +10%, a canary whose own offset is positive IS more than 10% slower: like the
    // one-canary boundary test, that case has no offsets.)
    [10, { shift: 0, offsetSd: 0.06, noiseSd: 0.05, baselines: 3, canaries: 3 }],
    [12, { shift: Math.log(1.1), offsetSd: 0, noiseSd: 0.05, baselines: 3, canaries: 3 }],
    [11, { shift: 0, offsetSd: 0.03, noiseSd: 0.05, baselines: 3, canaries: 3, slowBaseline: 0.4 }],
  ] as const) {
    const rate = shiftFalseAlarms(seed, o);
    assert.ok(rate <= ALPHA, `${JSON.stringify(o)}: false alarms ${rate}`);
  }
});

test('log shift: +35% latency is caught within a few windows at 1 canary vs 3 baselines', () => {
  const rng = new Rng(9);
  const cells: ShiftCell[] = [];
  let detectedAt = -1;
  const offsets = [0, 1, 2, 3].map(() => rng.normal(0, 0.03));
  for (let k = 0; k < 10 && detectedAt < 0; k++) {
    for (let i = 0; i < 4; i++) cells.push({ window: k, instance: `i${i}`, canary: i === 0, value: Math.log(120) + offsets[i]! + rng.normal(0, 0.05) + (i === 0 ? Math.log(1.35) : 0) });
    const t = shiftTest(cells, { margin: Math.log(1.1) });
    if (t && t.logEvidence >= Math.log(9 / 0.01)) detectedAt = k + 1;
  }
  // 6 windows: the change-start tests (stats/change-start.ts) charge log 2 for a fault that is
  // there from the first window; they buy detection of faults that begin later.
  assert.ok(detectedAt > 0 && detectedAt <= 6, `detected after ${detectedAt} windows`);
});

test('the per-signal alpha is the Bonferroni share of the budget, the same at every look', () => {
  assert.ok(Math.abs(signalAlpha(DEFAULT_POLICY, 1) / signalAlpha(DEFAULT_POLICY, 9) - 9) < 1e-9);
  assert.equal(signalAlpha(DEFAULT_POLICY, 1), DEFAULT_POLICY.judge.alpha);
});
