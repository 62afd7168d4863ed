// Mann-Whitney U (Wilcoxon rank-sum) test, written here because simple-statistics only has the
// rank-sum statistic, not its distribution. Matches scipy.stats.mannwhitneyu: mid-ranks for ties,
// exact null distribution for small tie-free samples, otherwise the normal approximation with the
// tie-corrected variance and a 0.5 continuity correction.
import { normalUpperTail } from './normal.js';

export type Alternative = 'greater' | 'less' | 'two-sided';
export type MannWhitneyMethod = 'auto' | 'exact' | 'asymptotic';

export interface MannWhitneyOptions {
  /** `greater`: x tends to be larger than y. */
  alternative?: Alternative;
  method?: MannWhitneyMethod;
  continuity?: boolean;
}

export interface MannWhitneyResult {
  /** U statistic of x: the number of (x, y) pairs with x > y, ties counting 1/2. */
  u: number;
  /** U of y, n_x * n_y - u. */
  uY: number;
  pValue: number;
  method: 'exact' | 'asymptotic';
  /** Standardised statistic (asymptotic method only). */
  z: number | null;
  nX: number;
  nY: number;
  ties: boolean;
}

// Above this the exact distribution costs more than it is worth; the normal approximation is
// already accurate to ~3 decimals when both samples exceed ~20.
const EXACT_MAX_PRODUCT = 2500;

export function mannWhitney(x: readonly number[], y: readonly number[], opts: MannWhitneyOptions = {}): MannWhitneyResult {
  const alternative = opts.alternative ?? 'two-sided';
  const nX = x.length;
  const nY = y.length;
  if (nX === 0 || nY === 0) throw new RangeError('mannWhitney: both samples must be non-empty');
  for (const v of x) if (!Number.isFinite(v)) throw new RangeError('mannWhitney: x contains a non-finite value');
  for (const v of y) if (!Number.isFinite(v)) throw new RangeError('mannWhitney: y contains a non-finite value');

  const { rankSumX, tieTerm } = rankSum(x, y);
  const u = rankSumX - (nX * (nX + 1)) / 2;
  const uY = nX * nY - u;
  const ties = tieTerm > 0;
  const method = opts.method === 'exact' || (opts.method !== 'asymptotic' && !ties && nX * nY <= EXACT_MAX_PRODUCT) ? 'exact' : 'asymptotic';

  if (method === 'exact') {
    const cdf = exactCdf(nX, nY);
    // P(U >= u) = 1 - P(U <= u - 1); U takes integer values without ties.
    const atLeast = (k: number): number => (k <= 0 ? 1 : 1 - (cdf[Math.min(Math.ceil(k) - 1, cdf.length - 1)] ?? 1));
    const atMost = (k: number): number => (k < 0 ? 0 : cdf[Math.min(Math.floor(k), cdf.length - 1)] ?? 1);
    let p: number;
    if (alternative === 'greater') p = atLeast(u);
    else if (alternative === 'less') p = atMost(u);
    else p = 2 * Math.min(atLeast(Math.max(u, uY)), 0.5);
    return { u, uY, pValue: clamp01(p), method, z: null, nX, nY, ties };
  }

  const n = nX + nY;
  const mu = (nX * nY) / 2;
  const variance = ((nX * nY) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  if (variance <= 0) {
    // Every value is equal: no evidence either way.
    return { u, uY, pValue: 1, method, z: 0, nX, nY, ties };
  }
  const sd = Math.sqrt(variance);
  const cc = opts.continuity === false ? 0 : 0.5;
  let z: number;
  let p: number;
  if (alternative === 'greater') {
    z = (u - mu - cc) / sd;
    p = normalUpperTail(z);
  } else if (alternative === 'less') {
    z = (u - mu + cc) / sd;
    p = normalUpperTail(-z);
  } else {
    // scipy: the larger of the two U's, so the statistic is in the upper tail.
    z = (Math.max(u, uY) - mu - cc) / sd;
    p = 2 * normalUpperTail(z);
  }
  return { u, uY, pValue: clamp01(p), method, z, nX, nY, ties };
}

/** Sum of the mid-ranks of x in the pooled sample, and sum(t^3 - t) over tie groups. */
function rankSum(x: readonly number[], y: readonly number[]): { rankSumX: number; tieTerm: number } {
  const pooled: { v: number; fromX: boolean }[] = [];
  for (const v of x) pooled.push({ v, fromX: true });
  for (const v of y) pooled.push({ v, fromX: false });
  pooled.sort((a, b) => a.v - b.v);
  let rankSumX = 0;
  let tieTerm = 0;
  for (let i = 0; i < pooled.length; ) {
    let j = i;
    while (j + 1 < pooled.length && pooled[j + 1]!.v === pooled[i]!.v) j++;
    const t = j - i + 1;
    const midRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (pooled[k]!.fromX) rankSumX += midRank;
    if (t > 1) tieTerm += t * t * t - t;
    i = j + 1;
  }
  return { rankSumX, tieTerm };
}

const cdfCache = new Map<string, Float64Array>();

/**
 * CDF of U under H0 for sample sizes m, n without ties: the coefficients of the Gaussian binomial
 * [m+n choose m]_q = prod_{i=1..m} (1 - q^(n+i)) / (1 - q^i), divided by C(m+n, m).
 */
export function exactCdf(m: number, n: number): Float64Array {
  const key = m <= n ? `${m},${n}` : `${n},${m}`;
  const hit = cdfCache.get(key);
  if (hit) return hit;
  const a = Math.min(m, n);
  const b = Math.max(m, n);
  const maxU = a * b;
  const coef = new Float64Array(maxU + 1);
  coef[0] = 1;
  for (let i = 1; i <= a; i++) {
    // multiply by (1 - q^(b+i)) ...
    const up = b + i;
    for (let k = maxU; k >= up; k--) coef[k] = coef[k]! - coef[k - up]!;
    // ... and divide by (1 - q^i): c[k] += c[k - i], ascending.
    for (let k = i; k <= maxU; k++) coef[k] = coef[k]! + coef[k - i]!;
  }
  let total = 0;
  for (let k = 0; k <= maxU; k++) total += coef[k]!;
  const cdf = new Float64Array(maxU + 1);
  let running = 0;
  for (let k = 0; k <= maxU; k++) {
    running += coef[k]!;
    cdf[k] = running / total;
  }
  if (cdfCache.size > 256) cdfCache.clear();
  cdfCache.set(key, cdf);
  return cdf;
}

function clamp01(p: number): number {
  return p < 0 ? 0 : p > 1 ? 1 : p;
}
