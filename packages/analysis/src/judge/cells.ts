// The judge's inputs for one signal over a set of windows: pooled counts and exposures per window
// (count signals) or one value per (instance, window) (continuous signals). One pass over the
// windows' instance aggregates; nothing is sorted. Closed windows are read once (window-memo.ts).
import type { Policy } from '../policy/schema.js';
import { BUILTIN_SIGNALS, type ExposureKind, type RateDefinition } from '../signals/catalog.js';
import type { CountCell, RateWindow } from '../stats/rate-ratio.js';
import type { ShiftCell } from '../stats/log-shift.js';
import { comparedGroup, hasBaselineGroup, type ComparedGroup, type InstanceWindow, type RolloutState, type WindowState } from '../state/types.js';
import { perWindow } from './window-memo.js';

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

export function collectInputs(state: RolloutState, signal: string, windows: readonly WindowState[], policy: Policy): SignalInputs {
  const hasBaseline = hasBaselineGroup(state);
  const groups = new Map<string, ComparedGroup | null>();
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
  const out: ContinuousInputs = { kind: 'continuous', present: false, cells: [], judged: { canary: 0, baseline: 0 }, sums: { canary: 0, baseline: 0 } };
  const ctx = { intervalMs: policy.analysis.interval, minRequestsPerSample: policy.judge.minRequestsPerSample };
  const parts = perWindow(state, policy, `continuous:${signal}`, windows, (w): ContinuousPart => {
    const part: ContinuousPart = { present: false, cells: [] };
    for (const instance in w.instances) {
      const group = groupOf(instance);
      if (group === null) continue;
      const agg = w.instances[instance]!;
      if (def.present(agg)) part.present = true;
      const v = def.sample(agg, ctx);
      if (v === null || !Number.isFinite(v)) continue;
      part.cells.push({ window: w.start, instance, canary: group === 'canary', value: v });
    }
    return part;
  });
  // Totals are summed cell by cell, in window order, exactly as a pass over the windows would.
  for (const part of parts) {
    if (part.present) out.present = true;
    for (const cell of part.cells) {
      out.cells.push(cell);
      const group = cell.canary ? 'canary' : 'baseline';
      out.judged[group]++;
      out.sums[group] += cell.value;
    }
  }
  return out;
}

/** What one window contributes to a continuous signal's inputs. */
interface ContinuousPart {
  present: boolean;
  cells: ShiftCell[];
}

/** What one window contributes to a count signal's inputs, for one choice of exposure. */
interface RatePart {
  window: RateWindow;
  cells: Omit<CountCell, 'window'>[];
  judged: Record<ComparedGroup, number>;
  /** Instance-windows with events, per group (each is `interval` instance-minutes). */
  active: Record<ComparedGroup, number>;
}

/** One window of a count signal: the baseline's denominators (which exposure to use) and the parts per exposure. */
interface RateWindowParts {
  present: boolean;
  baselineLines: number;
  baselineBadLines: number;
  baselineProbes: number;
  baselineFailedProbes: number;
  byExposure: Partial<Record<ExposureKind, RatePart>>;
}

function externalInputs(signal: string, windows: readonly WindowState[], hasBaseline: boolean): ContinuousInputs {
  const out: ContinuousInputs = { kind: 'continuous', present: false, cells: [], judged: { canary: 0, baseline: 0 }, sums: { canary: 0, baseline: 0 } };
  for (const w of windows) {
    const bySignal = w.external[signal];
    if (!bySignal) continue;
    for (const [reported, cells] of Object.entries(bySignal)) {
      const group = comparedGroup(reported as 'canary', hasBaseline);
      if (group === null || !cells) continue;
      for (const [instance, cell] of Object.entries(cells)) {
        if (cell.count === 0) continue;
        out.present = true;
        const v = cell.sum / cell.count;
        out.cells.push({ window: w.start, instance: `${reported}/${instance}`, canary: group === 'canary', value: v });
        out.judged[group]++;
        out.sums[group] += v;
      }
    }
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
  const parts = perWindow(state, policy, `rate:${signal}`, windows, (w): RateWindowParts => {
    const p: RateWindowParts = { present: false, baselineLines: 0, baselineBadLines: 0, baselineProbes: 0, baselineFailedProbes: 0, byExposure: {} };
    for (const instance in w.instances) {
      const group = groupOf(instance);
      if (group === null) continue;
      const a = w.instances[instance]!;
      if (present(a)) p.present = true;
      if (group !== 'baseline') continue;
      p.baselineLines += a.logs;
      p.baselineBadLines += a.errorLogs + a.fatalLogs;
      p.baselineProbes += a.healthFailures + a.healthPasses;
      p.baselineFailedProbes += a.healthFailures;
    }
    return p;
  });
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
  const exposureOf = (a: InstanceWindow): number => {
    switch (exposure) {
      case 'requests':
        return a.requests;
      case 'lines':
        return a.logs;
      case 'probes':
        return a.healthFailures + a.healthPasses;
      default:
        return a.events > 0 ? minutes : 0;
    }
  };
  const partOf = (w: WindowState): RatePart => {
    const part: RatePart = { window: { canary: 0, baseline: 0, canaryExposure: 0, baselineExposure: 0 }, cells: [], judged: { canary: 0, baseline: 0 }, active: { canary: 0, baseline: 0 } };
    const rw = part.window;
    for (const instance in w.instances) {
      const group = groupOf(instance);
      if (group === null) continue;
      const a = w.instances[instance]!;
      if (a.events > 0) part.active[group]++;
      const count = def.count(a);
      const e = exposureOf(a);
      if (e <= 0 && count <= 0) continue;
      const canary = group === 'canary';
      if (canary) {
        rw.canary += count;
        rw.canaryExposure += e;
      } else {
        rw.baseline += count;
        rw.baselineExposure += e;
      }
      part.cells.push({ instance, canary, count, exposure: e });
      // A window counts towards minSamples when it says something: for error ratios, enough requests.
      if (exposure === 'requests' ? a.requests >= minRequests : a.events > 0) part.judged[group]++;
    }
    return part;
  };
  const out: RateInputs = { kind: 'rate', present: false, windows: [], cells: [], exposure, judged: { canary: 0, baseline: 0 }, minutes: { canary: 0, baseline: 0 }, def };
  for (let i = 0; i < windows.length; i++) {
    const p = parts[i]!;
    if (p.present) out.present = true;
    // Memoised with the window's summary (closed windows) or computed for this look only.
    const part = (p.byExposure[exposure] ??= partOf(windows[i]!));
    // Instance-minutes are summed one instance-window at a time, as a pass over the windows would.
    for (let k = 0; k < part.active.canary; k++) out.minutes.canary += minutes;
    for (let k = 0; k < part.active.baseline; k++) out.minutes.baseline += minutes;
    out.judged.canary += part.judged.canary;
    out.judged.baseline += part.judged.baseline;
    const index = out.windows.length;
    for (const c of part.cells) out.cells.push({ window: index, instance: c.instance, canary: c.canary, count: c.count, exposure: c.exposure });
    out.windows.push({ ...part.window });
  }
  return out;
}
