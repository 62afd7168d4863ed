// Always-valid test of a rate ratio for counts with exposure (errors per request, error lines per
// log line, failed per probe, restarts per instance-minute).
//
// Given the total n = c + b of a window's events, the canary's share is Binomial(n, p) with
// p = θ·s / (θ·s + 1 − s), where s is the canary's share of the exposure and θ the canary/baseline
// rate ratio (the conditional binomial test of two Poisson rates). The null is θ <= r, with
// r = 1 + allowed increase. The evidence against it is a mixture likelihood ratio
//   M_t = Σ_g w_g Π_windows (p_g/p_0)^c (1−p_g / 1−p_0)^b,   θ_g = r·q_g, q_g > 1,
// a nonnegative supermartingale under any θ <= r (each factor has mean <= 1 there), so by Ville's
// inequality P(sup_t M_t >= 1/α) <= α: the false-alarm guarantee holds for unlimited looks, any
// stopping rule, any exposure pattern (Lindon & Malek 2022, Johari et al. 2017; Howard et al. 2021
// for the confidence-sequence view). Lindon & Malek mix with a conjugate Beta/Dirichlet prior,
// which needs a constant allocation; exposure shares change between windows here (instances come
// and go), so the prior is a discrete one on a log grid of ratios, which is just as valid.
//
// Real counts are overdispersed (bursts: one failing request logs five lines). The quasi-likelihood
// answer is to divide the log-likelihood ratios by the dispersion φ >= 1, estimated from the
// per-(instance, window) counts around each group's own rate; a burst of lines then counts as one
// event, not five.

/** Counts and exposures of one window (or any batch with a constant exposure share). */
export interface RateWindow {
  canary: number;
  baseline: number;
  canaryExposure: number;
  baselineExposure: number;
}

/** Adds one (instance, window) cell's count and exposure to its group's side of `w`. */
export function addToWindow(w: RateWindow, canary: boolean, count: number, exposure: number): void {
  if (canary) {
    w.canary += count;
    w.canaryExposure += exposure;
  } else {
    w.baseline += count;
    w.baselineExposure += exposure;
  }
}

export interface RateRatioOptions {
  /** r: the largest canary/baseline ratio that is still acceptable (1 + allowed increase). */
  allowedRatio: number;
  /** Quasi-Poisson dispersion (>= 1); default 1. */
  dispersion?: number;
}

export interface RateRatioResult {
  /** log M at the last window: the evidence against "ratio <= allowedRatio". */
  logEvidence: number;
  /** Largest log M over the windows (M's running maximum; the always-valid p is exp(−this)). */
  maxLogEvidence: number;
  /** Always-valid p-value: min(1, 1 / max_t M_t). */
  pValue: number;
  canary: number;
  baseline: number;
  canaryExposure: number;
  baselineExposure: number;
  /** (canary / canaryExposure) / (baseline / baselineExposure); Infinity when the baseline rate is 0. */
  ratio: number;
}

/** Ratios above r on the mixture grid: q = e^(j·h), j = 1..G, up to 64× the allowed ratio (beyond it
 * the top point takes the evidence: a canary-only stream has nearly the same likelihood at 64× as at 1000×). */
const GRID = 16;
const GRID_STEP = Math.log(64) / GRID;
const LOG_GRID_WEIGHT = -Math.log(GRID);
const Q = Array.from({ length: GRID }, (_, j) => Math.exp((j + 1) * GRID_STEP));

/**
 * Prior weight of "the fault starts at the first window": a release fault usually shows from the
 * canary's first requests. The rest, 1 − START_WEIGHT, is spread over later starts (window j >= 1
 * gets (1 − START_WEIGHT) / (j (j + 1)), which sums to it), for faults that begin later: a code
 * path first hit under load, a leak, a dependency that changes mid-rollout.
 */
const START_WEIGHT = 0.9;
const LOG_START_WEIGHT = Math.log(START_WEIGHT);
const LOG_LATER_WEIGHT = Math.log(1 - START_WEIGHT);

/** log of the prior weight of a fault that starts at window j (0-based). */
export function logChangeWeight(j: number): number {
  return j === 0 ? LOG_START_WEIGHT : LOG_LATER_WEIGHT - Math.log(j) - Math.log(j + 1);
}

/**
 * The evidence is a mixture over when the change began as well as over its size: with one
 * statistic from the first window on, the windows before a fault weigh against every ratio above
 * r, and with thousands of requests a minute they weigh a lot (a 4x rise of HTTP errors that
 * began five minutes in needed five more minutes to outweigh them). Each start j contributes
 * π_j Π_{windows >= j} LR: a nonnegative supermartingale under the null, as each product is, and
 * Σ π_j = 1, so Ville's bound holds as before. It is updated in one pass (the Shiryaev-Roberts
 * recursion R_t = (R_(t−1) + π_t) · LR_t, per grid point). A fault from the start loses only
 * log(1 / START_WEIGHT) = 0.11 nats against the single statistic; one from window j on is judged on
 * its own windows, for log(1 / π_j) nats (4.8 at j = 3, 7 at j = 10).
 */
export function rateRatioTest(windows: readonly RateWindow[], o: RateRatioOptions): RateRatioResult {
  const terms = new Float64Array(windows.length * GRID);
  const compares = new Uint8Array(windows.length);
  for (let i = 0; i < windows.length; i++) compares[i] = windowTerms(windows[i]!, o.allowedRatio, terms, i * GRID) ? 1 : 0;
  return fromTerms(windows, terms, compares, Math.max(1, o.dispersion ?? 1));
}

/**
 * Window `w`'s log-likelihood ratio at each grid point, written to terms[at..at+GRID); false when
 * the window compares nothing. Separate from the sum so that the robust test's second run, which
 * changes one window, reuses the other windows' terms (same values: each is the same expression).
 */
function windowTerms(w: RateWindow, r: number, terms: Float64Array, at: number): boolean {
  // A window without exposure on one side compares nothing (its counts stay in the totals).
  if (w.canary + w.baseline === 0 || !(w.canaryExposure > 0) || !(w.baselineExposure > 0)) return false;
  const s = w.canaryExposure / (w.canaryExposure + w.baselineExposure);
  const p0 = (r * s) / (r * s + 1 - s);
  const logP0 = Math.log(p0);
  const logQ0 = Math.log1p(-p0);
  for (let g = 0; g < GRID; g++) {
    const theta = r * Q[g]!;
    const p = (theta * s) / (theta * s + 1 - s);
    terms[at + g] = w.canary * (Math.log(p) - logP0) + w.baseline * (Math.log1p(-p) - logQ0);
  }
  return true;
}

function fromTerms(windows: readonly RateWindow[], terms: Float64Array, compares: Uint8Array, phi: number): RateRatioResult {
  /** log R per grid point: the change-point mixture of products up to the current window. */
  const logR = new Float64Array(GRID).fill(-Infinity);
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
    // A fault may begin at this window: its prior weight joins every grid point.
    const start = logChangeWeight(j);
    for (let g = 0; g < GRID; g++) logR[g] = logAddExp(logR[g]!, start);
    if (compares[j] === 0) continue;
    const at = j * GRID;
    for (let g = 0; g < GRID; g++) logR[g]! += terms[at + g]! / phi;
    logM = logSumExp(logR) + LOG_GRID_WEIGHT;
    if (logM > maxLog) maxLog = logM;
  }
  const ratio = eb > 0 && ec > 0 ? (b > 0 ? c / ec / (b / eb) : c > 0 ? Infinity : 1) : NaN;
  return { logEvidence: logM, maxLogEvidence: maxLog, pValue: Math.min(1, Math.exp(-maxLog)), canary: c, baseline: b, canaryExposure: ec, baselineExposure: eb, ratio };
}

function logSumExp(x: Float64Array): number {
  let max = -Infinity;
  for (let g = 0; g < x.length; g++) if (x[g]! > max) max = x[g]!;
  if (max === -Infinity) return -Infinity;
  let sum = 0;
  for (let g = 0; g < x.length; g++) sum += Math.exp(x[g]! - max);
  return max + Math.log(sum);
}

function logAddExp(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}

/** One (instance, window) cell of a count signal, for the dispersion estimate. */
export interface CountCell {
  /** Index of the cell's window in the RateWindow list. */
  window: number;
  instance: string;
  canary: boolean;
  count: number;
  exposure: number;
}

/**
 * The effective dispersion of the canary/baseline comparison, at least 1:
 *  - φ, the dispersion (bursts: one failing request that logs five lines), from consecutive
 *    windows of the same instance: given the pair's total
 *    n = x_t + x_(t−1), x_t is Binomial(n, e_t / (e_t + e_(t−1))) for a Poisson count, so
 *    (x_t − n·p)² / (n·p·(1−p)) has mean exactly 1, and more under overdispersion. Differencing
 *    makes the estimate blind to a level shift (only the one pair that spans it moves) and to a
 *    rate both groups share that drifts slowly: a fault must not inflate its own yardstick (around
 *    a pooled rate, the canary's jump at the fault start read as "dispersion 5" and hid a 5x rise
 *    of HTTP errors), and neither must the day's traffic curve. Von Neumann's successive-difference
 *    idea (1941), in the conditional form of the two-Poisson test. Both groups' pairs are pooled
 *    (under the null the canary is one more healthy instance), with the baseline's own estimate as
 *    a floor;
 *  - κ², the spread of healthy instances' own rates (log scale), from the baseline instances'
 *    totals, beyond the (log r / 2)² the allowed ratio absorbs and at least (log r / 4)². It does
 *    not shrink with exposure, so with it the evidence a single canary instance can give
 *    saturates instead of growing for ever (a slightly "hot" healthy instance never fails).
 * The variance of the log rate ratio is φ(1/C + 1/B) + κ²(1/n_c + 1/n_b) instead of the Poisson
 * 1/C + 1/B; the ratio of the two is returned.
 */
export function rateDispersion(cells: readonly CountCell[], allowedRatio: number): number {
  const sums = { c: 0, ce: 0, b: 0, be: 0 };
  const baselineTotals = new Map<string, { count: number; exposure: number }>();
  const canaryInstances = new Set<string>();
  // Successive-difference dispersion per group: the last (count, exposure) of each instance.
  const last = { c: new Map<string, { count: number; exposure: number }>(), b: new Map<string, { count: number; exposure: number }>() };
  const pairs = { c: 0, cn: 0, b: 0, bn: 0 };
  for (const x of cells) {
    if (x.canary) {
      sums.c += x.count;
      sums.ce += x.exposure;
      canaryInstances.add(x.instance);
    } else {
      sums.b += x.count;
      sums.be += x.exposure;
      const t = baselineTotals.get(x.instance);
      if (t) {
        t.count += x.count;
        t.exposure += x.exposure;
      } else baselineTotals.set(x.instance, { count: x.count, exposure: x.exposure });
    }
    if (!(x.exposure > 0)) continue;
    const byInstance = x.canary ? last.c : last.b;
    const prev = byInstance.get(x.instance);
    if (!prev) {
      byInstance.set(x.instance, { count: x.count, exposure: x.exposure });
      continue;
    }
    const prevCount = prev.count;
    const prevExposure = prev.exposure;
    prev.count = x.count;
    prev.exposure = x.exposure;
    const n = x.count + prevCount;
    if (n <= 0) continue;
    const p = x.exposure / (x.exposure + prevExposure);
    const d = ((x.count - n * p) * (x.count - n * p)) / (n * p * (1 - p));
    if (x.canary) {
      pairs.c += d;
      pairs.cn++;
    } else {
      pairs.b += d;
      pairs.bn++;
    }
  }
  const rateB = sums.be > 0 ? sums.b / sums.be : 0;
  // At least two informative pairs (one burst makes two) before a group's dispersion is believed.
  // Under the null the canary is a healthy instance of the same fleet, so its pairs and the
  // baseline's estimate one dispersion: pooled, with the baseline's own as a floor (the baseline is
  // untouched by a canary fault and usually has the most pairs). The larger of the two groups'
  // (until 2026-12) took one canary's dozen informative pairs at face value: 1.9 on a Poisson
  // canary is common, and it divided a clear error-log rise's evidence by that.
  const phiB = pairs.bn >= 2 ? pairs.b / pairs.bn : 1;
  const pooled = pairs.cn + pairs.bn >= 2 ? (pairs.c + pairs.b) / (pairs.cn + pairs.bn) : 1;
  const phi = Math.max(1, phiB, pooled);
  const logR = Math.log(Math.max(allowedRatio, 1 + 1e-9));
  let kappa2 = (logR / 4) ** 2;
  const nb = baselineTotals.size;
  if (nb >= 2 && rateB > 0) {
    let num = 0;
    let den = 0;
    for (const t of baselineTotals.values()) {
      const e = rateB * t.exposure;
      num += (t.count - e) * (t.count - e) - phi * e;
      den += e * e;
    }
    const est = den > 0 ? (Math.max(0, num) / den) * (nb / (nb - 1)) * medianUnbias(nb - 1) : 0;
    kappa2 = Math.max(kappa2, est - (logR / 2) ** 2);
  }
  const nc = Math.max(1, canaryInstances.size);
  const poisson = 1 / (sums.c + 0.5) + 1 / (sums.b + 0.5);
  return Math.max(1, (phi * poisson + kappa2 * (1 / nc + 1 / Math.max(1, nb))) / poisson);
}

function medianUnbias(df: number): number {
  return 1 / (1 - 2 / (9 * df)) ** 3;
}

export interface RobustRateRatio {
  /** The test on all the data. */
  test: RateRatioResult;
  /** The test with the canary's largest (instance, window) count cut to its second largest. */
  withoutLargest: RateRatioResult;
  dispersion: number;
  /** The smaller of the two running-maximum evidences: what a decision may use. */
  maxLogEvidence: number;
}

/**
 * The rate-ratio test, robust to one burst: it must also reject with the canary's single largest
 * (instance, window) count cut down to its second largest. A canary's first minute often holds a
 * short burst of start-up errors (a dependency not ready yet) before the dispersion can be
 * estimated; no single instance-window can make a signal fail. A steady excess loses little (its
 * largest and second largest cells are alike). Requiring both tests to reject only shrinks the
 * rejection region, so the false-alarm guarantee is kept.
 */
export function robustRateRatioTest(windows: readonly RateWindow[], cells: readonly CountCell[], allowedRatio: number): RobustRateRatio {
  const dispersion = rateDispersion(cells, allowedRatio);
  const phi = Math.max(1, dispersion);
  const terms = new Float64Array(windows.length * GRID);
  const compares = new Uint8Array(windows.length);
  for (let i = 0; i < windows.length; i++) compares[i] = windowTerms(windows[i]!, allowedRatio, terms, i * GRID) ? 1 : 0;
  const test = fromTerms(windows, terms, compares, phi);
  let largest: CountCell | undefined;
  let second = 0;
  for (const x of cells) {
    if (!x.canary) continue;
    if (x.count > (largest?.count ?? 0)) {
      second = largest?.count ?? 0;
      largest = x;
    } else if (x.count > second) second = x.count;
  }
  if (!largest || largest.count === second) return { test, withoutLargest: test, dispersion, maxLogEvidence: test.maxLogEvidence };
  const cut = largest.count - second;
  const trimmed = windows.map((w, i) => (i === largest!.window ? { ...w, canary: w.canary - cut } : w));
  // Only the trimmed window's terms change.
  const k = largest.window;
  if (k < windows.length) compares[k] = windowTerms(trimmed[k]!, allowedRatio, terms, k * GRID) ? 1 : 0;
  const withoutLargest = fromTerms(trimmed, terms, compares, phi);
  return { test, withoutLargest, dispersion, maxLogEvidence: Math.min(test.maxLogEvidence, withoutLargest.maxLogEvidence) };
}
