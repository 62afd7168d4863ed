// Repeated looks at a fixed alpha inflate false alarms: checking a good canary every minute at
// alpha = 0.05 for an hour rejects it far more often than 5% of the time. We give every look its
// own nominal alpha from a spending function (Lan-DeMets), and make the per-look alphas SUM to the
// budget. By the union bound that caps the family-wise false-alarm rate at the budget whatever the
// correlation between looks (it is a Bonferroni correction with an uneven, planned allocation), so
// it stays valid if a look is skipped or the data between looks changes. It is conservative
// compared with exact group-sequential boundaries, which need the correlation structure and
// equally spaced information; a canary stream offers neither.
//
// Monitoring is open-ended, so after the planned horizon of K looks a small reserve ("tail") is
// spent as tail * K / (k (k - 1)) at look k > K; that series telescopes to exactly the reserve, so
// the total over infinitely many looks is still the budget.
import { normalQuantile, normalUpperTail } from './normal.js';

export const SPENDING_FUNCTIONS = ['pocock', 'obrien-fleming', 'bonferroni'] as const;
export type SpendingFunction = (typeof SPENDING_FUNCTIONS)[number];

/** Cumulative alpha spent by information fraction t in [0, 1] (Lan-DeMets forms). */
export function cumulativeSpend(kind: SpendingFunction, alpha: number, t: number): number {
  if (t <= 0) return 0;
  const tt = Math.min(1, t);
  switch (kind) {
    case 'pocock':
      return alpha * Math.log(1 + (Math.E - 1) * tt);
    case 'obrien-fleming':
      // One-sided O'Brien-Fleming-like: 2 - 2 Phi(z_{1 - alpha/2} / sqrt(t)), equal to alpha at t = 1.
      return 2 * normalUpperTail(normalQuantile(1 - alpha / 2) / Math.sqrt(tt));
    case 'bonferroni':
      return alpha * tt;
    default: {
      const unreachable: never = kind;
      throw new Error(`unknown spending function ${String(unreachable)}`);
    }
  }
}

export interface LookAlphaOptions {
  kind: SpendingFunction;
  /** Total false-alarm budget over all looks. */
  alpha: number;
  /** Planned number of looks (the horizon). */
  plannedLooks: number;
  /** Share of the budget kept for looks beyond the horizon (0..0.5). */
  tailShare: number;
}

/** Nominal alpha for look k (1-based). sum over k = 1..infinity equals `alpha`. */
export function lookAlpha(k: number, o: LookAlphaOptions): number {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`lookAlpha: look must be an integer >= 1, got ${k}`);
  const K = o.plannedLooks;
  const main = o.alpha * (1 - o.tailShare);
  if (k <= K) return cumulativeSpend(o.kind, main, k / K) - cumulativeSpend(o.kind, main, (k - 1) / K);
  return (o.alpha * o.tailShare * K) / (k * (k - 1));
}
