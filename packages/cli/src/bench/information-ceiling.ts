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
import { addToWindow, type CorpusRollout, type RateWindow } from '@rollwatch/analysis';
import { binomialUpperTail } from '@rollwatch/logtemplates';

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

/** The clairvoyant test's p-values on one rollout: at every window end after the fault start, and at the end. */
export interface ClairvoyantPValues {
  byWindowEnd: { seconds: number; p: number }[];
  /** On all the data from the fault start to the rollout's end. */
  end: number;
  /** Seconds from the fault start to the rollout's end. */
  endSeconds: number;
}

/** The outcome at one alpha: the p-values do not depend on it, so one pass serves every level. */
export function outcomeAt(p: ClairvoyantPValues, alpha: number): CeilingOutcome {
  const caught = p.end <= alpha;
  const first = p.byWindowEnd.find((w) => w.p <= alpha);
  return { caught, secondsToReject: first ? first.seconds : caught ? p.endSeconds : null };
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
 * rollout's end, tested at every window end (`windowMs`, the judge's window) and at the end.
 */
export function clairvoyantPValues(rollout: CorpusRollout, allowedRatio: number, windowMs: number): ClairvoyantPValues {
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
  const totals: RateWindow = { canary: 0, baseline: 0, canaryExposure: 0, baselineExposure: 0 };
  let i = 0;
  // Running totals: each call adds the events before `until` and tests everything since the start.
  const test = (until: number): number => {
    for (; i < events.length && events[i]!.t < until; i++) {
      const { e } = events[i]!;
      addToWindow(totals, e.group === 'canary', rule.count(e), rule.exposure ? rule.exposure(e) : 0);
    }
    const minutes = (until - from) / 60_000;
    const ce = rule.exposure ? totals.canaryExposure : canaries * minutes;
    const be = rule.exposure ? totals.baselineExposure : baselines * minutes;
    return conditionalBinomialP(totals.canary, totals.baseline, ce, be, allowedRatio);
  };
  const byWindowEnd: ClairvoyantPValues['byWindowEnd'] = [];
  for (let until = from + windowMs; until < end; until += windowMs) byWindowEnd.push({ seconds: (until - from) / 1000, p: test(until) });
  return { byWindowEnd, end: test(end), endSeconds: (end - from) / 1000 };
}
