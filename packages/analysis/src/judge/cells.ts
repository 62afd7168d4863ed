// The judge's inputs for one signal over a set of windows: pooled counts and exposures per window
// (count signals) or one value per (instance, window) (continuous signals). One pass over the
// windows' instance aggregates; nothing is sorted. With the engine option memoiseInputs, closed
// windows are read once and the inputs extended window by window (window-memo.ts).
import type { Policy } from '../policy/schema.js';
import { BUILTIN_SIGNALS, type ExposureKind, type RateDefinition } from '../signals/catalog.js';
import { addToWindow, type CountCell, type RateWindow } from '../stats/rate-ratio.js';
import type { ShiftCell } from '../stats/log-shift.js';
import { comparedGroup, externalMeans, hasBaselineGroup, type ComparedGroup, type InstanceWindow, type RolloutState, type WindowState } from '../state/types.js';
import { foldClosed, perWindow } from './window-memo.js';

export interface RateInputs {
  kind: 'rate';
  present: boolean;
  windows: RateWindow[];
  cells: CountCell[];
  /** The exposure actually used (lines and probes fall back to instance-minutes). */
  exposure: ExposureKind;
  /** Instance-windows that count towards judge.minSamples, per group. */
  judged: Record<ComparedGroup, number>;
  /** Instance-minutes per group (for per-minute rates in reasons). */
  minutes: Record<ComparedGroup, number>;
  def: RateDefinition;
}

export interface ContinuousInputs {
  kind: 'continuous';
  present: boolean;
  cells: ShiftCell[];
  judged: Record<ComparedGroup, number>;
  /** Sum of the raw values per group (means for reasons). */
  sums: Record<ComparedGroup, number>;
}

export type SignalInputs = RateInputs | ContinuousInputs;

/**
 * What every signal and every look of one evaluation derive alike from the same windows: each
 * instance's compared group and each window's baseline denominators. An evaluation is synchronous
 * and changes neither windows nor groups, so inside `withEvaluationCache` they are computed once
 * instead of once per signal and look (a 5,000-instance rollout paid that nine times per look).
 * Kept only for the call: nothing outlives it, so the detector's memory does not grow. The
 * denominators table is perWindow's scratch (window-memo.ts): windows the input memo holds come
 * from the memo, all others from here, so there is one cache per window, not two.
 */
interface EvaluationCache {
  state: RolloutState;
  groups: Map<string, ComparedGroup | null>;
  denominators: Map<WindowState, BaselineDenominators>;
}

let evaluationCache: EvaluationCache | undefined;

export function withEvaluationCache<T>(state: RolloutState, run: () => T): T {
  const outer = evaluationCache;
  evaluationCache = { state, groups: new Map(), denominators: new Map() };
  try {
    return run();
  } finally {
    evaluationCache = outer;
  }
}

const cacheFor = (state: RolloutState): EvaluationCache | undefined => (evaluationCache?.state === state ? evaluationCache : undefined);

export function collectInputs(state: RolloutState, signal: string, windows: readonly WindowState[], policy: Policy): SignalInputs {
  const hasBaseline = hasBaselineGroup(state);
  const groups = cacheFor(state)?.groups ?? new Map<string, ComparedGroup | null>();
  const groupOf = (instance: string): ComparedGroup | null => {
    let g = groups.get(instance);
    if (g === undefined) {
      const inst = state.instances[instance];
      g = inst ? comparedGroup(inst.group, hasBaseline) : null;
      groups.set(instance, g);
    }
    return g;
  };
  const def = BUILTIN_SIGNALS[signal];
  const external = windows.some((w) => w.external[signal] !== undefined);
  if (external || !def) return externalInputs(signal, windows, hasBaseline);
  if (def.rate) return rateInputs(signal, def.rate, state, windows, policy, groupOf, (w) => def.present(w));
  const ctx = { intervalMs: policy.analysis.interval, minRequestsPerSample: policy.judge.minRequestsPerSample };
  const foldWindow = (acc: ContinuousInputs, w: WindowState): void => {
    for (const instance in w.instances) {
      const group = groupOf(instance);
      if (group === null) continue;
      const agg = w.instances[instance]!;
      if (def.present(agg)) acc.present = true;
      const v = def.sample(agg, ctx);
      if (v === null || !Number.isFinite(v)) continue;
      acc.cells.push({ window: w.start, instance, canary: group === 'canary', value: v });
      acc.judged[group]++;
      acc.sums[group] += v;
    }
  };
  // Closed windows are folded once (window-memo.ts); open ones are added to a copy for this look.
  const { acc: out, folded } = foldClosed(state, policy, `continuous:${signal}`, '', windows, emptyContinuous, foldWindow, copyContinuous);
  for (let i = folded; i < windows.length; i++) foldWindow(out, windows[i]!);
  return out;
}

const emptyContinuous = (): ContinuousInputs => ({ kind: 'continuous', present: false, cells: [], judged: { canary: 0, baseline: 0 }, sums: { canary: 0, baseline: 0 } });
const copyContinuous = (a: ContinuousInputs): ContinuousInputs => ({ ...a, cells: a.cells.slice(), judged: { ...a.judged }, sums: { ...a.sums } });

/** One window's baseline denominators (which exposure a count signal can use). */
interface BaselineDenominators {
  baselineLines: number;
  baselineBadLines: number;
  baselineProbes: number;
  baselineFailedProbes: number;
}

function externalInputs(signal: string, windows: readonly WindowState[], hasBaseline: boolean): ContinuousInputs {
  const out: ContinuousInputs = { kind: 'continuous', present: false, cells: [], judged: { canary: 0, baseline: 0 }, sums: { canary: 0, baseline: 0 } };
  for (const m of externalMeans(windows, signal, hasBaseline)) {
    out.present = true;
    out.cells.push({ window: m.window, instance: m.instance, canary: m.group === 'canary', value: m.value });
    out.judged[m.group]++;
    out.sums[m.group] += m.value;
  }
  return out;
}

function rateInputs(
  signal: string,
  def: RateDefinition,
  state: RolloutState,
  windows: readonly WindowState[],
  policy: Policy,
  groupOf: (i: string) => ComparedGroup | null,
  present: (w: InstanceWindow) => boolean,
): RateInputs {
  const minutes = policy.analysis.interval / 60_000;
  const minRequests = Math.max(1, policy.judge.minRequestsPerSample);
  const parts = perWindow(
    state,
    policy,
    'baseline-denominators',
    windows,
    (w): BaselineDenominators => {
      const p: BaselineDenominators = { baselineLines: 0, baselineBadLines: 0, baselineProbes: 0, baselineFailedProbes: 0 };
      for (const instance in w.instances) {
        if (groupOf(instance) !== 'baseline') continue;
        const a = w.instances[instance]!;
        p.baselineLines += a.logs;
        p.baselineBadLines += a.errorLogs + a.fatalLogs;
        p.baselineProbes += a.healthFailures + a.healthPasses;
        p.baselineFailedProbes += a.healthFailures;
      }
      return p;
    },
    cacheFor(state)?.denominators,
  );
  // Which denominator the baseline's reports support: most of its lines below error level (else
  // only errors are shipped and "error lines / all lines" is ~1 everywhere), most probes passing
  // (else only failures are reported). Decided on the baseline, so a canary fault cannot switch it.
  let exposure = def.exposure;
  if (exposure === 'lines' || exposure === 'probes') {
    let denominator = 0;
    let bad = 0;
    for (const p of parts) {
      denominator += exposure === 'lines' ? p.baselineLines : p.baselineProbes;
      bad += exposure === 'lines' ? p.baselineBadLines : p.baselineFailedProbes;
    }
    if (denominator === 0 || bad * 2 > denominator) exposure = 'instance-minutes';
  }
  // Lines: each instance's exposure in a window is its minutes of activity times its own rate of
  // lines BELOW error level over the windows judged. Two reasons, both "the yardstick must not move
  // with the thing it measures": a canary's extra error lines must not inflate its own
  // denominator (in "error lines / all lines" a 9x rise reads as ~7x), and error lines need not
  // track the minute-to-minute count of info lines (a 10-s flush more or less), so per-window line
  // counts would add their own noise to every window's exposure share and to the dispersion. The
  // instance's own line rate still normalises traffic: a canary serving half the traffic is
  // expected to log half the errors.
  // Folded (and memoised) with a unit exposure of `minutes` per active instance-window; the line
  // rates, which span every judged window, scale the cells once the windows are all in
  // (scaleByLineRate), so a new window that changes an instance's rate never leaves a stale
  // exposure in the memo.
  const lines = exposure === 'lines';
  const exposureOf = (a: InstanceWindow): number => {
    switch (exposure) {
      case 'requests':
        return a.requests;
      case 'probes':
        return a.healthFailures + a.healthPasses;
      default: // instance-minutes, and lines before scaling
        return a.events > 0 ? minutes : 0;
    }
  };
  const foldWindow = (acc: RateFold, w: WindowState): void => {
    const out = acc.inputs;
    const rw: RateWindow = { canary: 0, baseline: 0, canaryExposure: 0, baselineExposure: 0 };
    const index = out.windows.length;
    for (const instance in w.instances) {
      const group = groupOf(instance);
      if (group === null) continue;
      const a = w.instances[instance]!;
      if (present(a)) out.present = true;
      if (a.events > 0) out.minutes[group] += minutes;
      if (lines && a.events > 0) {
        const t = acc.lineTotals.get(instance);
        const below = Math.max(0, a.logs - a.errorLogs - a.fatalLogs);
        if (t) {
          t.lines += below;
          t.minutes += minutes;
        } else acc.lineTotals.set(instance, { lines: below, minutes });
      }
      const count = def.count(a);
      const e = exposureOf(a);
      if (e <= 0 && count <= 0) continue;
      const canary = group === 'canary';
      addToWindow(rw, canary, count, e);
      out.cells.push({ window: index, instance, canary, count, exposure: e });
      // A window counts towards minSamples when it says something: for error ratios, enough requests.
      if (exposure === 'requests' ? a.requests >= minRequests : a.events > 0) out.judged[group]++;
    }
    out.windows.push(rw);
  };
  const init = (): RateFold => ({
    inputs: { kind: 'rate', present: false, windows: [], cells: [], exposure, judged: { canary: 0, baseline: 0 }, minutes: { canary: 0, baseline: 0 }, def },
    lineTotals: new Map(),
  });
  const copy = ({ inputs: a, lineTotals }: RateFold): RateFold => ({
    inputs: { ...a, windows: a.windows.slice(), cells: a.cells.slice(), judged: { ...a.judged }, minutes: { ...a.minutes } },
    lineTotals: lines ? new Map([...lineTotals].map(([k, t]) => [k, { ...t }])) : lineTotals,
  });
  // Closed windows are folded once per exposure (window-memo.ts); open ones are added to a copy.
  const { acc, folded } = foldClosed(state, policy, `rate:${signal}`, exposure, windows, init, foldWindow, copy);
  for (let i = folded; i < windows.length; i++) foldWindow(acc, windows[i]!);
  return lines ? scaleByLineRate(acc) : acc.inputs;
}

interface RateFold {
  inputs: RateInputs;
  /** Lines below error level and active minutes per instance (lines exposure only). */
  lineTotals: Map<string, { lines: number; minutes: number }>;
}

/**
 * Lines: each instance's exposure in a window is its minutes of activity times its own rate of
 * lines BELOW error level over the windows judged. Two reasons, both "the yardstick must not move
 * with the thing it measures": a canary's extra error lines must not inflate its own denominator
 * (in "error lines / all lines" a 9x rise reads as ~7x), and error lines need not track the
 * minute-to-minute count of info lines (a 10-s flush more or less), so per-window line counts
 * would add their own noise to every window's exposure share and to the dispersion. The
 * instance's own line rate still normalises traffic: a canary serving half the traffic is
 * expected to log half the errors. The folded cells carry `minutes`; this scales them, drops the
 * cells left with neither exposure nor count (as if never added) and re-sums each window in cell
 * order.
 */
function scaleByLineRate({ inputs, lineTotals }: RateFold): RateInputs {
  const rate = new Map<string, number>();
  for (const [instance, t] of lineTotals) rate.set(instance, t.minutes > 0 ? t.lines / t.minutes : 0);
  const windows = inputs.windows.map((w): RateWindow => ({ canary: w.canary, baseline: w.baseline, canaryExposure: 0, baselineExposure: 0 }));
  const judged = { ...inputs.judged };
  const cells: CountCell[] = [];
  for (const c of inputs.cells) {
    const exposure = c.exposure > 0 ? c.exposure * (rate.get(c.instance) ?? 0) : 0;
    if (exposure <= 0 && c.count <= 0) {
      judged[c.canary ? 'canary' : 'baseline']--;
      continue;
    }
    const w = windows[c.window]!;
    if (c.canary) w.canaryExposure += exposure;
    else w.baselineExposure += exposure;
    // A literal, not { ...c, exposure }: one per cell per look (same fields, same order).
    cells.push({ window: c.window, instance: c.instance, canary: c.canary, count: c.count, exposure });
  }
  return { ...inputs, windows, cells, judged };
}
