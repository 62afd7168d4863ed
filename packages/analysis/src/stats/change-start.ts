// When did the canary go bad? A release fault often shows from the canary's first minute, but not
// always: a code path hit by a later request mix, a leak, a cache that expires, a flag flipped
// minutes in. A test that accumulates evidence from the first window pays for every healthy window
// before the fault (its log-likelihood ratio drifts down there), and a random-effect test caps the
// evidence at the diluted mean. The fix comes from sequential change detection (Lorden 1971;
// Pollak 1987; the e-detectors of Shin, Ramdas & Rinaldo 2024): run one test per possible start
// window k, each always valid on its own windows, and reject when some k has evidence
// >= 1/(α·w_k), with prior weights w_k that sum to 1: a weighted union bound, so no look can spend
// more than the signal's alpha however many starts are tried (used by stats/log-shift.ts):
//   w_0 = 1/2 (the fault is there from the start: the common case pays only log 2),
//   w_k = 1/(2k(k+1)) for k >= 1 (scale-free: a start after 1, 3 or 10 windows pays
//   log 4, log 24, log 220; Σ_k≥1 = 1/2).
// No horizon is assumed, so the guarantee still holds for unlimited looks; none of these numbers is
// fitted to data.

/** log w_k of the start-window prior. */
export function logStartWeight(k: number): number {
  return k === 0 ? -Math.LN2 : -Math.LN2 - Math.log(k) - Math.log(k + 1);
}
