// Critical signals decide at once, without waiting for a look or for minimum samples: canary OOM
// kills, a canary crash loop, or repeated non-zero exits, while the baseline has none of the same
// (at that moment). The trigger time is the event that completed the evidence.
import type { Policy } from '../policy/schema.js';
import type { InstanceState, RolloutState } from '../state/types.js';
import { comparedGroup, hasBaselineGroup } from '../state/types.js';
import { formatDuration } from '../policy/duration.js';
import type { Trigger } from './triggers.js';

interface Hit {
  t: number;
  instance: string;
}

export interface CriticalOptions {
  horizon: number;
  /** Instances whose failures are attributed to the environment (not counted). */
  exclude?: ReadonlySet<string>;
  /**
   * Whether a baseline instance runs on a host attribute value (kernel, runtime, ...) shared by
   * every one of these canary instances. A canary crash loop is held while such a baseline is
   * crashing too (see crashLoopTrigger).
   */
  sharesHostAttribute?: (canaries: readonly string[], baseline: string) => boolean;
}

/** Time at which an instance first had `restarts` restarts within `within` ms, or null. */
export function crashLoopAt(inst: InstanceState, restarts: number, within: number, horizon: number): number | null {
  const times = crashTimes(inst, horizon);
  for (let i = restarts - 1; i < times.length; i++) {
    if (times[i]! - times[i - restarts + 1]! <= within) return times[i]!;
  }
  return null;
}

export function criticalTriggers(state: RolloutState, policy: Policy, o: CriticalOptions): Trigger[] {
  const hasBaseline = hasBaselineGroup(state);
  const canary: InstanceState[] = [];
  const baseline: InstanceState[] = [];
  for (const inst of Object.values(state.instances)) {
    if (o.exclude?.has(inst.id)) continue;
    const g = comparedGroup(inst.group, hasBaseline);
    if (g === 'canary') canary.push(inst);
    else if (g === 'baseline') baseline.push(inst);
  }
  const out: Trigger[] = [];
  const c = policy.critical;

  const countTrigger = (pick: (i: InstanceState) => number[], needed: number): { at: number; hits: Hit[]; baselineBefore: number } | null => {
    if (needed <= 0) return null;
    const hits: Hit[] = canary.flatMap((i) => pick(i).filter((t) => t <= o.horizon).map((t) => ({ t, instance: i.id })));
    hits.sort((a, b) => a.t - b.t || (a.instance < b.instance ? -1 : 1));
    const completing = hits[needed - 1];
    if (!completing) return null;
    const baselineBefore = baseline.reduce((n, i) => n + pick(i).filter((t) => t <= completing.t).length, 0);
    if (baselineBefore > 0) return null;
    return { at: completing.t, hits, baselineBefore };
  };

  const oom = countTrigger((i) => i.oomTimes, c.oomKills);
  if (oom) {
    const total = canary.reduce((n, i) => n + i.oomTimes.filter((t) => t <= o.horizon).length, 0);
    const instances = [...new Set(oom.hits.map((h) => h.instance))];
    out.push({
      at: oom.at,
      kind: 'critical',
      instances,
      reason: {
        signal: 'oom_kills',
        severity: 'critical',
        message: `canary OOM killed ${total} time(s) (${instances.join(", ")}); baseline none at the time`,
        canary: total,
        baseline: 0,
        threshold: c.oomKills,
        cause: 'release',
      },
    });
  }

  const exits = countTrigger((i) => i.nonZeroExitTimes, c.nonZeroExits);
  if (exits) {
    const total = canary.reduce((n, i) => n + i.nonZeroExitTimes.filter((t) => t <= o.horizon).length, 0);
    const instances = [...new Set(exits.hits.map((h) => h.instance))];
    out.push({
      at: exits.at,
      kind: 'critical',
      instances,
      reason: {
        signal: 'nonzero_exits',
        severity: 'critical',
        message: `canary exited with a non-zero code ${total} time(s) (${instances.join(", ")}); baseline none at the time`,
        canary: total,
        baseline: 0,
        threshold: c.nonZeroExits,
        cause: 'release',
      },
    });
  }

  const loop = crashLoopTrigger(canary, baseline, policy, o);
  if (loop) out.push(loop);
  return out;
}

/** Crash or restart times the crash-loop rule counts. */
function crashTimes(inst: InstanceState, horizon: number): number[] {
  // Docker-style sources report restarts; others only exits. Use exits only when no restarts exist
  // so one crash (exit + restart) is not counted twice.
  return (inst.restartTimes.length > 0 ? inst.restartTimes : inst.nonZeroExitTimes).filter((t) => t <= horizon);
}

/**
 * A canary crash loop while the baseline has none at that moment. One exception keeps a host fault
 * from reading as a release fault: when a baseline instance on a host attribute value shared by all
 * the looping canaries has crashed within `within` before the loop, the old release is crashing on
 * the same hosts, so the decision waits until that baseline either loops too (the baseline has the
 * same: no release trigger, attribution judges the hosts) or, `within` after its first such crash,
 * has not (the trigger fires then). A canary looping on hosts where the baseline runs fine is
 * decided at once, as before.
 */
function crashLoopTrigger(canary: InstanceState[], baseline: InstanceState[], policy: Policy, o: CriticalOptions): Trigger | null {
  const { restarts, within } = policy.critical.crashLoop;
  const loops = (group: InstanceState[]): Hit[] =>
    group
      .map((i) => ({ t: crashLoopAt(i, restarts, within, o.horizon), instance: i.id }))
      .filter((h): h is Hit => h.t !== null)
      .sort((a, b) => a.t - b.t || (a.instance < b.instance ? -1 : 1));
  const canaryLoops = loops(canary);
  const first = canaryLoops[0];
  if (!first) return null;
  const baselineLoops = loops(baseline);
  let at = first.t;
  if (o.sharesHostAttribute) {
    const looping = canaryLoops.filter((h) => h.t <= first.t).map((h) => h.instance);
    let holdUntil = -Infinity;
    for (const b of baseline) {
      const recent = crashTimes(b, first.t).find((t) => t > first.t - within);
      if (recent === undefined || !o.sharesHostAttribute(looping, b.id)) continue;
      holdUntil = Math.max(holdUntil, recent + within);
    }
    if (holdUntil > at) {
      // Held: the baseline on the shared value loops before the hold ends, or the hold is still open.
      if (baselineLoops.some((h) => h.t <= holdUntil) || o.horizon < holdUntil) return null;
      at = holdUntil;
    }
  }
  if (baselineLoops.some((h) => h.t <= at)) return null;
  const instances = canaryLoops.map((h) => h.instance);
  return {
    at,
    kind: 'critical',
    instances,
    reason: {
      signal: 'crash_loop',
      severity: 'critical',
      message: `canary crash loop: ${instances.join(', ')} restarted >= ${restarts} times within ${formatDuration(within)}; baseline none at the time`,
      canary: instances.length,
      baseline: 0,
      threshold: restarts,
      cause: 'release',
    },
  };
}
