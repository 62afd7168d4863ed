// Effect sizes reported next to the p-value, so a tiny but significant difference (large samples)
// is recognisable as tiny, and the allowed-increase rule has something to compare against.
import { mean, median, quantileSorted } from 'simple-statistics';

// Hodges-Lehmann needs all n*m pairwise differences; above this budget we use a deterministic,
// well-spread subset: pair index (s * P) mod total for s < budget with a prime step P (a Weyl
// sequence). A plain stride would alias with the sample length and pick a biased subset.
const HL_MAX_PAIRS = 10_000;
const WEYL_STEPS = [1_000_000_007, 998_244_353, 999_999_937];

/** Hodges-Lehmann shift estimate: the median of all pairwise differences x_i - y_j. */
export function hodgesLehmann(x: readonly number[], y: readonly number[]): number {
  if (x.length === 0 || y.length === 0) throw new RangeError('hodgesLehmann: both samples must be non-empty');
  const total = x.length * y.length;
  const diffs: number[] = [];
  if (total <= HL_MAX_PAIRS) {
    for (const a of x) for (const b of y) diffs.push(a - b);
    return median(diffs);
  }
  const step = WEYL_STEPS.find((p) => total % p !== 0)!;
  for (let s = 0; s < HL_MAX_PAIRS; s++) {
    const k = (s * step) % total;
    diffs.push(x[Math.floor(k / y.length)]! - y[k % y.length]!);
  }
  return median(diffs);
}

export interface EffectSize {
  canaryMean: number;
  baselineMean: number;
  canaryMedian: number;
  baselineMedian: number;
  /** Hodges-Lehmann shift, canary minus baseline, in the signal's unit. */
  hlShift: number;
  /** canaryMean / baselineMean; Infinity when the baseline mean is 0 and the canary's is not. */
  meanRatio: number;
  /** (canaryMean - baselineMean) / |baselineMean|: +0.25 means 25% worse for a "lower is better" signal. */
  relativeIncrease: number;
  canaryP95: number;
  baselineP95: number;
}

/** Means and the relative change only: what the allowed-increase gate needs, in O(n). */
export function meanChange(canary: readonly number[], baseline: readonly number[]): Pick<EffectSize, 'canaryMean' | 'baselineMean' | 'meanRatio' | 'relativeIncrease'> {
  const canaryMean = mean(canary as number[]);
  const baselineMean = mean(baseline as number[]);
  const diff = canaryMean - baselineMean;
  const relativeIncrease = baselineMean === 0 ? (diff === 0 ? 0 : diff > 0 ? Infinity : -Infinity) : diff / Math.abs(baselineMean);
  const meanRatio = baselineMean === 0 ? (canaryMean === 0 ? 1 : Infinity) : canaryMean / baselineMean;
  return { canaryMean, baselineMean, meanRatio, relativeIncrease };
}

export function effectSize(canary: readonly number[], baseline: readonly number[]): EffectSize {
  const canaryMean = mean(canary as number[]);
  const baselineMean = mean(baseline as number[]);
  const sortedC = [...canary].sort((a, b) => a - b);
  const sortedB = [...baseline].sort((a, b) => a - b);
  const diff = canaryMean - baselineMean;
  const relativeIncrease = baselineMean === 0 ? (diff === 0 ? 0 : diff > 0 ? Infinity : -Infinity) : diff / Math.abs(baselineMean);
  const meanRatio = baselineMean === 0 ? (canaryMean === 0 ? 1 : Infinity) : canaryMean / baselineMean;
  return {
    canaryMean,
    baselineMean,
    canaryMedian: quantileSorted(sortedC, 0.5),
    baselineMedian: quantileSorted(sortedB, 0.5),
    hlShift: hodgesLehmann(canary, baseline),
    meanRatio,
    relativeIncrease,
    canaryP95: quantileSorted(sortedC, 0.95),
    baselineP95: quantileSorted(sortedB, 0.95),
  };
}
