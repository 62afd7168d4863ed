// Collecting the per-(instance, window) samples of a signal for the canary and the baseline.
import type { Policy } from '../policy/schema.js';
import { BUILTIN_SIGNALS } from '../signals/catalog.js';
import { comparedGroup, externalMeans, hasBaselineGroup, type ComparedGroup, type RolloutState, type WindowState } from '../state/types.js';

export interface GroupSamples {
  canary: number[];
  baseline: number[];
  /** Raw data seen for the signal at all (in either group). */
  present: boolean;
}

/** Windows with start in [from, to), oldest first. */
export function windowsBetween(state: RolloutState, from: number, to: number): WindowState[] {
  const out: WindowState[] = [];
  for (const w of Object.values(state.windows)) if (w.start >= from && w.start < to) out.push(w);
  return out.sort((a, b) => a.start - b.start);
}

export function groupOfInstance(state: RolloutState, instance: string, hasBaseline = hasBaselineGroup(state)): ComparedGroup | null {
  const inst = state.instances[instance];
  return inst ? comparedGroup(inst.group, hasBaseline) : null;
}

export function collectSamples(state: RolloutState, signal: string, windows: readonly WindowState[], policy: Policy): GroupSamples {
  const hasBaseline = hasBaselineGroup(state);
  const out: GroupSamples = { canary: [], baseline: [], present: false };
  const external = windows.some((w) => w.external[signal] !== undefined);
  if (external || !BUILTIN_SIGNALS[signal]) {
    // Samples fed by a MetricProvider (or metric events named after a policy signal) win over the
    // event-derived ones, so a Prometheus error rate is not mixed with the agents' counters.
    for (const m of externalMeans(windows, signal, hasBaseline)) {
      out.present = true;
      out[m.group].push(m.value);
    }
    return out;
  }
  const def = BUILTIN_SIGNALS[signal]!;
  const ctx = { intervalMs: policy.analysis.interval, minRequestsPerSample: policy.judge.minRequestsPerSample };
  const groups = new Map<string, ComparedGroup | null>();
  for (const w of windows) {
    for (const instance in w.instances) {
      const agg = w.instances[instance]!;
      let group = groups.get(instance);
      if (group === undefined) {
        group = groupOfInstance(state, instance, hasBaseline);
        groups.set(instance, group);
      }
      if (group === null) continue;
      if (def.present(agg)) out.present = true;
      const v = def.sample(agg, ctx);
      if (v !== null && Number.isFinite(v)) out[group].push(v);
    }
  }
  return out;
}

/** Pooled (sum over instances) aggregate of a group in one window. */
export function pooled(state: RolloutState, w: WindowState, group: ComparedGroup | 'all', filter?: (instance: string) => boolean): { requests: number; errors: number; cpuSum: number; cpuCount: number; instances: number } {
  const hasBaseline = group === 'all' ? false : hasBaselineGroup(state);
  const out = { requests: 0, errors: 0, cpuSum: 0, cpuCount: 0, instances: 0 };
  // for..in, not Object.entries: the same keys in the same order without a [key, value] array per
  // instance; the threshold triggers call this for every window at every look.
  for (const instance in w.instances) {
    if (filter && !filter(instance)) continue;
    if (group !== 'all' && groupOfInstance(state, instance, hasBaseline) !== group) continue;
    const agg = w.instances[instance]!;
    out.requests += agg.requests;
    out.errors += agg.httpErrors;
    out.cpuSum += agg.cpuSum;
    out.cpuCount += agg.cpuCount;
    out.instances++;
  }
  return out;
}
