// The information ceiling of the corpus's sparse count faults: what a clairvoyant test could catch.
//
// For a count fault (extra error lines, failed probes) the canary's count given the total of both
// groups is Binomial(n, p0) under "canary rate <= r x baseline rate", p0 = r·s / (r·s + 1 − s), s
// the canary's share of the exposure. For a fixed sample this conditional binomial test is
// uniformly most powerful unbiased (Lehmann & Romano, Testing Statistical Hypotheses, 4.5), so no
// unbiased test of that null at level α can catch more, on the same data. The clairvoyant test is
// given more than any real judge has: it knows when the fault began (it counts only after it),
// spends all of judge.alpha on this one signal (a judge splits it over every signal it watches),
// looks only once, at the rollout's end, and takes the true exposure (instance-minutes, probes)
// with no overdispersion allowance. What it cannot catch, no judge at that alpha can, and the
// recall target is out of reach whenever the ceiling is below it.
//
// Its time to detect reruns the same one-look test at every window end after the fault began,
// uncorrected for the repeated looks: an optimistic reference (it false-alarms more than α), not a
// valid test. Pure: no I/O.
import type { CorpusRollout } from '@rollwatch/analysis';

/** Which events a fault kind counts, and what its exposure is. */
interface CountRule {
  /** 1 when the event is a counted event (an error line, a failed probe), else 0. */
  count(e: CorpusRollout['events'][number]): number;
  /** The event's exposure; null: exposure is instance-minutes (one per instance per minute). */
  exposure: ((e: CorpusRollout['events'][number]) => number) | null;
}

const RULES: Readonly<Record<string, CountRule>> = {
  'error-log-rate': { count: (e) => (e.type === 'log' && e.level === 'error' ? 1 : 0), exposure: null },
  'failed-probes': {
    count: (e) => (e.type === 'health_check_failed' ? 1 : 0),
    exposure: (e) => (e.type === 'health_check_failed' || e.type === 'health_check_passed' ? 1 : 0),
  },
};

export const CEILING_KINDS = Object.keys(RULES);

export interface CeilingOutcome {
  /** The one-look test at the rollout's end rejects. */
  caught: boolean;
  /** Seconds from the fault start to the first window end at which the uncorrected test rejects. */
  secondsToReject: number | null;
}

/** P(X >= k) for X ~ Binomial(n, p), summed exactly (n is a count of events: hundreds at most here). */
export function binomialUpperTail(k: number, n: number, p: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  const logP = Math.log(p);
  const logQ = Math.log1p(-p);
  // log C(n, k) built up incrementally from the first term on.
  let logC = 0;
  for (let i = 1; i <= k; i++) logC += Math.log((n - k + i) / i);
  let sum = 0;
  for (let x = k; x <= n; x++) {
    sum += Math.exp(logC + x * logP + (n - x) * logQ);
    logC += Math.log((n - x) / (x + 1));
  }
  return Math.min(1, sum);
}

/** The one-sided conditional binomial p-value of "canary rate <= r x baseline rate". */
export function conditionalBinomialP(canary: number, baseline: number, canaryExposure: number, baselineExposure: number, allowedRatio: number): number {
  if (!(canaryExposure > 0) || !(baselineExposure > 0)) return 1;
  const s = canaryExposure / (canaryExposure + baselineExposure);
  const p0 = (allowedRatio * s) / (allowedRatio * s + 1 - s);
  return binomialUpperTail(canary, canary + baseline, p0);
}

/**
 * The clairvoyant test on one rollout of a ceiling kind: its counts from the fault start to the
 * rollout's end. `windowMs` is the judge's window (the looks of the optimistic time to detect).
 */
export function clairvoyantOutcome(rollout: CorpusRollout, alpha: number, allowedRatio: number, windowMs: number): CeilingOutcome {
  const rule = RULES[rollout.label.kind];
  if (!rule || !rollout.label.faultStart) throw new Error(`no clairvoyant test for kind ${rollout.label.kind}`);
  const from = Date.parse(rollout.label.faultStart);
  const end = Date.parse(rollout.label.end);
  const events = rollout.events
    .map((e) => ({ e, t: Date.parse(e.time) }))
    .filter((x) => x.t >= from && x.t < end)
    .sort((a, b) => a.t - b.t);
  const canaries = rollout.label.canaries;
  const baselines = rollout.label.baselines;
  const totals = { c: 0, b: 0, ce: 0, be: 0 };
  let secondsToReject: number | null = null;
  let i = 0;
  const test = (until: number): number => {
    for (; i < events.length && events[i]!.t < until; i++) {
      const { e } = events[i]!;
      const canary = e.group === 'canary';
      const n = rule.count(e);
      const x = rule.exposure ? rule.exposure(e) : 0;
      if (canary) {
        totals.c += n;
        totals.ce += x;
      } else {
        totals.b += n;
        totals.be += x;
      }
    }
    const minutes = (until - from) / 60_000;
    const ce = rule.exposure ? totals.ce : canaries * minutes;
    const be = rule.exposure ? totals.be : baselines * minutes;
    return conditionalBinomialP(totals.c, totals.b, ce, be, allowedRatio);
  };
  for (let until = from + windowMs; until < end; until += windowMs) {
    if (test(until) <= alpha) {
      secondsToReject = (until - from) / 1000;
      break;
    }
  }
  // The end look, on all the data after the fault start (continues the same running totals).
  const caught = test(end) <= alpha;
  if (caught && secondsToReject === null) secondsToReject = (end - from) / 1000;
  return { caught, secondsToReject };
}
