// Judge cost: one decision = the comparative judge on 2 signals, with the tests the judge runs at
// each look (judge/compare.ts): a continuous signal (latency: the log-shift mixture SPRT with its
// change-start tests, stats/log-shift.ts) and a count signal (errors: the robust rate-ratio
// e-process with its dispersion estimate, stats/rate-ratio.ts), N (instance, window) samples per
// group each, 10 instances per group. Baseline: sorting the pooled samples of both signals once,
// the floor of any rank test (the judge itself sorts nothing but the window keys).
import { robustRateRatioTest, shiftTest, type CountCell, type RateWindow, type ShiftCell } from '@rollwatch/analysis';
import { round } from '../stats.js';

export interface JudgeCostRow {
  samplesPerGroup: number;
  signals: number;
  decisions: number;
  decisionsPerSecond: number;
  microsPerDecision: number;
  /** The log-shift test alone (the rest is the rate-ratio test). */
  shiftTestMicros: number;
  /** Sorting the pooled samples of both signals, µs (the baseline). */
  sortMicros: number;
  /** microsPerDecision / sortMicros. */
  ratioToSort: number;
}

const INSTANCES = 10;

/** Deterministic pseudo-random samples (xorshift) so every run judges the same data. */
function samples(n: number, seed: number, shift: number): number[] {
  let x = seed >>> 0 || 1;
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = 100 + shift + ((x >>> 0) / 2 ** 32) * 50;
  }
  return out;
}

function timeLoop(fn: () => void, minMs: number, maxIterations: number): { iterations: number; ms: number } {
  fn(); // warm-up (JIT)
  const start = process.hrtime.bigint();
  let iterations = 0;
  let ms = 0;
  while (iterations < maxIterations && ms < minMs) {
    fn();
    iterations++;
    ms = Number(process.hrtime.bigint() - start) / 1e6;
  }
  return { iterations, ms };
}

/** One signal's inputs: n samples per group as (instance, window) cells, INSTANCES per group. */
function inputs(n: number, seed: number): { shift: ShiftCell[]; windows: RateWindow[]; counts: CountCell[]; pooled: number[] } {
  const canary = samples(n, seed, 2);
  const baseline = samples(n, seed + 74, 0);
  const shift: ShiftCell[] = [];
  const counts: CountCell[] = [];
  const perWindow = Math.ceil(n / INSTANCES);
  const windows: RateWindow[] = Array.from({ length: perWindow }, () => ({ canary: 0, baseline: 0, canaryExposure: 0, baselineExposure: 0 }));
  for (const [values, isCanary] of [[canary, true], [baseline, false]] as const) {
    values.forEach((v, i) => {
      const window = Math.floor(i / INSTANCES);
      const instance = `${isCanary ? 'c' : 'b'}${i % INSTANCES}`;
      shift.push({ window, instance, canary: isCanary, value: Math.log(v) });
      const count = Math.floor(v) % 7;
      counts.push({ window, instance, canary: isCanary, count, exposure: 60 });
      const w = windows[window]!;
      if (isCanary) {
        w.canary += count;
        w.canaryExposure += 60;
      } else {
        w.baseline += count;
        w.baselineExposure += 60;
      }
    });
  }
  return { shift, windows, counts, pooled: [...canary, ...baseline] };
}

export function measureJudgeCost(sizes: readonly number[], minMsPerSize = 400): JudgeCostRow[] {
  const signals = 2;
  const rows: JudgeCostRow[] = [];
  for (const n of sizes) {
    // Signal 1 is continuous (latency), signal 2 a count (errors).
    const latency = inputs(n, 17);
    const errors = inputs(n, 18);
    let sink = 0;
    const shiftOnly = (): void => {
      sink += shiftTest(latency.shift, { margin: Math.log(1.1) })?.windows ?? 0;
    };
    const decide = (): void => {
      shiftOnly();
      sink += robustRateRatioTest(errors.windows, errors.counts, 1.1).maxLogEvidence;
    };
    const sortPooled = (): void => {
      for (const d of [latency, errors]) {
        const pooled = Float64Array.from(d.pooled);
        pooled.sort();
        sink += pooled[0]!;
      }
    };
    const judge = timeLoop(decide, minMsPerSize, 100_000);
    const shiftT = timeLoop(shiftOnly, minMsPerSize / 2, 100_000);
    const sort = timeLoop(sortPooled, minMsPerSize / 2, 100_000);
    if (!Number.isFinite(sink)) throw new Error('judge cost: non-finite result');
    const micros = (judge.ms * 1000) / judge.iterations;
    const sortMicros = (sort.ms * 1000) / sort.iterations;
    rows.push({
      samplesPerGroup: n,
      signals,
      decisions: judge.iterations,
      decisionsPerSecond: round(1e6 / micros, 1),
      microsPerDecision: round(micros, 1),
      shiftTestMicros: round((shiftT.ms * 1000) / shiftT.iterations, 1),
      sortMicros: round(sortMicros, 1),
      ratioToSort: round(micros / sortMicros, 2),
    });
  }
  return rows;
}
