// Always-valid test of a shift in a continuous signal (latency, CPU, custom metrics), canary vs
// baseline, on per-(instance, window) values (usually log-values, so the shift is a ratio).
//
// Per window w, d_w = mean(canary values) − mean(baseline values): pairing by window cancels what
// hits both groups (load, diurnal swings, a noisy shared dependency). The null is E[d] <= m, the
// practical margin (log(1 + allowed increase)). Two sources of noise:
//   - V, the window-to-window noise of d_w (from each instance's residuals around its own level and
//     the window's baseline level, estimated on the BASELINE so a fault cannot inflate its own
//     yardstick);
//   - U, the variance of a constant instance offset: a healthy canary instance is never exactly
//     at the baseline's level, and watching it longer does not make that go away. U comes from
//     the spread of the baseline instances' levels (one slow or noisy baseline instance widens it)
//     beyond the (m/2)² the margin already absorbs, floored at (m/4)² because three baselines
//     estimate a spread badly.
// Under the null, d − m ~ N(0, V·I + U·11ᵀ). The alternative mixes the extra shift over N⁺(0, τ²),
// τ = 2m (effects of interest are a few margins). The likelihood ratio of the two Gaussian
// sequences (Robbins' normal mixture, as in Johari et al.'s mSPRT, with a random instance effect)
// is a test martingale under the null for known V, U:
//   log Λ_n = ½ log((V + nU) / (V + n(U+τ²))) + (S²/2n)·(1/(V + nU) − 1/(V + n(U+τ²))),
// S = Σ (d_w − m); with the prior folded onto positive shifts (half-normal, the alternative is
// one-sided) it gains log(2Φ(·)), up to log 2. The rejection region {S > 0, Λ_n >= 1/α} is {S >= boundary_n}, monotone in S, so
// a true shift below m rejects even less often. V and U are plug-in estimates, inflated to their
// median-unbiased values for few degrees of freedom.
//
// Cost: two passes over the cells with hash maps; no sorting.
import { normalUpperTail } from './normal.js';
import { logStartWeight } from './change-start.js';

export interface ShiftCell {
  window: number;
  instance: string;
  canary: boolean;
  value: number;
}

export interface ShiftOptions {
  /** m: the shift that is still acceptable (e.g. log(1.1) on log-values). */
  margin: number;
  /** Floor of the instance-offset standard deviation; default m/4. */
  instanceSpreadFloor?: number;
  /** τ: prior scale of the excess shift; default max(2m, 0.05). */
  priorScale?: number;
  /** Test from the first window only (no change-start tests). */
  fromStartOnly?: boolean;
}

export interface ShiftResult {
  /** Windows with both groups. */
  windows: number;
  /** Mean of d_w (canary minus baseline, in the values' scale). */
  shift: number;
  /** max over start windows k of log Λ_k + log w_k at this look (−Infinity when no shift is above the margin). */
  logEvidence: number;
  /** 1 / Λ, at most 1 (an always-valid p-value when looks are taken at window ends). */
  pValue: number;
  /** Noise of one d_w and the variance of the instance offset in d. */
  windowVariance: number;
  offsetVariance: number;
  canaryInstances: number;
  baselineInstances: number;
}

interface WindowAcc {
  cSum: number;
  cN: number;
  bSum: number;
  bN: number;
}

interface InstanceAcc {
  canary: boolean;
  n: number;
  sum: number;
  sumSq: number;
}

export function shiftTest(cells: readonly ShiftCell[], o: ShiftOptions): ShiftResult | null {
  const m = o.margin;
  const windows = new Map<number, WindowAcc>();
  for (const x of cells) {
    let w = windows.get(x.window);
    if (!w) {
      w = { cSum: 0, cN: 0, bSum: 0, bN: 0 };
      windows.set(x.window, w);
    }
    if (x.canary) {
      w.cSum += x.value;
      w.cN++;
    } else {
      w.bSum += x.value;
      w.bN++;
    }
  }
  let n = 0;
  let sumD = 0;
  let cellsC = 0;
  let cellsB = 0;
  // d_w in window order, for the change-start tests.
  const d: number[] = [];
  for (const key of [...windows.keys()].sort((a, b) => a - b)) {
    const w = windows.get(key)!;
    if (w.cN === 0 || w.bN === 0) continue;
    n++;
    d.push(w.cSum / w.cN - w.bSum / w.bN);
    sumD += d[d.length - 1]!;
    cellsC += w.cN;
    cellsB += w.bN;
  }
  if (n === 0) return null;
  // Residuals around the window's baseline level, per instance.
  const instances = new Map<string, InstanceAcc>();
  for (const x of cells) {
    const w = windows.get(x.window)!;
    if (w.bN === 0 || w.cN === 0) continue;
    const z = x.value - w.bSum / w.bN;
    let acc = instances.get(x.instance);
    if (!acc) {
      acc = { canary: x.canary, n: 0, sum: 0, sumSq: 0 };
      instances.set(x.instance, acc);
    }
    acc.n++;
    acc.sum += z;
    acc.sumSq += z * z;
  }
  let nb = 0;
  let nc = 0;
  let ssB = 0;
  let dfB = 0;
  let ssC = 0;
  let dfC = 0;
  let levelSum = 0;
  let levelSumSq = 0;
  let windowsPerBaseline = 0;
  const canaryLevels = { sum: 0, sumSq: 0, windows: 0 };
  for (const acc of instances.values()) {
    const within = Math.max(0, acc.sumSq - (acc.sum * acc.sum) / acc.n);
    if (acc.canary) {
      nc++;
      ssC += within;
      dfC += acc.n - 1;
      canaryLevels.sum += acc.sum / acc.n;
      canaryLevels.sumSq += (acc.sum / acc.n) ** 2;
      canaryLevels.windows += acc.n;
    } else {
      nb++;
      ssB += within;
      dfB += acc.n - 1;
      const level = acc.sum / acc.n;
      levelSum += level;
      levelSumSq += level * level;
      windowsPerBaseline += acc.n;
    }
  }
  // Centering on the window's baseline mean takes one degree of freedom per window from the baseline.
  let sigma2: number;
  if (nb >= 2 && dfB > 0) {
    const df = (dfB * (nb - 1)) / nb;
    sigma2 = df > 0 ? (ssB / df) * medianUnbiasFactor(df) : NaN;
  } else if (dfC > 0) {
    // A single baseline instance: its window noise is in the canary's residuals (z = c − b).
    sigma2 = (ssC / dfC / 2) * medianUnbiasFactor(dfC);
  } else {
    sigma2 = NaN;
  }
  if (!Number.isFinite(sigma2)) return null;
  const floor = o.instanceSpreadFloor ?? m / 4;
  let spread2 = floor * floor;
  if (nb >= 2) {
    // Spread of the instances' levels around their group's mean: the baseline's, pooled with the
    // canaries' when there are several. A fault that hits every canary moves their levels
    // together and leaves their spread alone; one that hits some canaries widens it (more
    // caution, never less), so the canaries are a fair extra sample of how far apart healthy
    // instances sit. Three baselines alone estimate a spread badly (2 degrees of freedom).
    let ss = levelSumSq - (levelSum * levelSum) / nb;
    let df = nb - 1;
    let windowsPerInstance = windowsPerBaseline / nb;
    if (nc >= 2) {
      ss += canaryLevels.sumSq - (canaryLevels.sum * canaryLevels.sum) / nc;
      df += nc - 1;
      windowsPerInstance = (windowsPerBaseline + canaryLevels.windows) / (nb + nc);
    }
    const between = ss / df;
    const est = Math.max(0, between - sigma2 / windowsPerInstance) * medianUnbiasFactor(df);
    // Offsets up to m/2 (sd) are what the margin is there to absorb (a canary two such sds off
    // is still within it); only a wider spread needs to be paid for with evidence.
    spread2 = Math.max(spread2, est - (m / 2) ** 2);
  }
  const perWindowC = cellsC / n;
  const perWindowB = cellsB / n;
  const V = Math.max(sigma2 * (1 / perWindowC + 1 / perWindowB), 1e-12);
  const U = spread2 * (1 / Math.max(1, nc) + 1 / Math.max(1, nb));
  const tau = o.priorScale ?? Math.max(2 * m, 0.05);
  // One test per start window k (the fault may begin after the canary did, stats/change-start.ts),
  // each on the windows from k on only, so each is monotone in its own sum (a canary that was
  // faster before k never helps it reject). They are combined by a weighted union bound: reject
  // when some k has Λ_k >= 1/(α·w_k); the reported evidence is max_k (log Λ_k + log w_k).
  let logEvidence = -Infinity;
  let tail = 0;
  for (let k = n - 1; k >= 0; k--) {
    tail += d[k]!;
    const lk = windowsEvidence(tail - (n - k) * m, n - k, V, U, tau) + (o.fromStartOnly ? (k === 0 ? 0 : -Infinity) : logStartWeight(k));
    if (lk > logEvidence) logEvidence = lk;
  }
  return {
    windows: n,
    shift: sumD / n,
    logEvidence,
    pValue: Math.min(1, Math.exp(-logEvidence)),
    windowVariance: V,
    offsetVariance: U,
    canaryInstances: nc,
    baselineInstances: nb,
  };
}

/**
 * log Λ of n windows with excess sum S (Robbins' normal mixture with a random instance effect and a
 * half-normal prior of scale τ on the excess shift): −Infinity when S <= 0 (never evidence then).
 */
function windowsEvidence(S: number, n: number, V: number, U: number, tau: number): number {
  if (!(S > 0)) return -Infinity;
  const a0 = V + n * U;
  const a1 = a0 + n * tau * tau;
  // Half-normal prior (the alternative is one-sided): the two-sided mixture times 2Φ(s·τ/√(1+τ²I)),
  // I = n/a0, s = S/a0 (posterior mass of a positive excess).
  const info = n / a0;
  const score = S / a0;
  return 0.5 * Math.log(a0 / a1) + ((S * S) / (2 * n)) * (1 / a0 - 1 / a1) + Math.log(2 * normalUpperTail((-score * tau) / Math.sqrt(1 + tau * tau * info)));
}

/**
 * df / (chi-square median with df degrees of freedom) (Wilson-Hilferty): a variance estimate with
 * few degrees of freedom is below the truth more often than not; this makes it a coin flip.
 */
export function medianUnbiasFactor(df: number): number {
  if (df <= 0) return Infinity;
  const k = 2 / (9 * df);
  const median = df * (1 - k) ** 3;
  return df / median;
}
