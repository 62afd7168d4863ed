// Judge cost: one decision = the comparative judge on 2 signals (Mann-Whitney U + effect size per
// signal, what @rollwatch/analysis runs at each look) for canary vs baseline samples. Baseline: the
// irreducible floor of any rank test, sorting the pooled samples of both signals once.
import { effectSize, mannWhitney } from '@rollwatch/analysis';
import { round } from '../stats.js';

export interface JudgeCostRow {
  samplesPerGroup: number;
  signals: number;
  decisions: number;
  decisionsPerSecond: number;
  microsPerDecision: number;
  /** The Mann-Whitney tests alone (the rest is effect sizes: means, medians, Hodges-Lehmann). */
  mannWhitneyMicros: number;
  /** Sorting the pooled samples of both signals, µs (the baseline). */
  sortMicros: number;
  /** microsPerDecision / sortMicros. */
  ratioToSort: number;
}

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

export function measureJudgeCost(sizes: readonly number[], minMsPerSize = 400): JudgeCostRow[] {
  const signals = 2;
  const rows: JudgeCostRow[] = [];
  for (const n of sizes) {
    const data = Array.from({ length: signals }, (_, s) => ({ canary: samples(n, 17 + s, 2), baseline: samples(n, 91 + s, 0) }));
    let sink = 0;
    const decide = (): void => {
      for (const d of data) {
        const test = mannWhitney(d.canary, d.baseline, { alternative: 'greater' });
        const effect = effectSize(d.canary, d.baseline);
        sink += test.pValue + effect.relativeIncrease;
      }
    };
    const sortPooled = (): void => {
      for (const d of data) {
        const pooled = Float64Array.from([...d.canary, ...d.baseline]);
        pooled.sort();
        sink += pooled[0]!;
      }
    };
    const mwOnly = (): void => {
      for (const d of data) sink += mannWhitney(d.canary, d.baseline, { alternative: 'greater' }).pValue;
    };
    const judge = timeLoop(decide, minMsPerSize, 100_000);
    const mw = timeLoop(mwOnly, minMsPerSize / 2, 100_000);
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
      mannWhitneyMicros: round((mw.ms * 1000) / mw.iterations, 1),
      sortMicros: round(sortMicros, 1),
      ratioToSort: round(micros / sortMicros, 2),
    });
  }
  return rows;
}
