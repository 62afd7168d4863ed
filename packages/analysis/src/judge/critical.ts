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
}

/** Time at which an instance first had `restarts` restarts within `within` ms, or null. */
export function crashLoopAt(inst: InstanceState, restarts: number, within: number, horizon: number): number | null {
  // Docker-style sources report restarts; others only exits. Use exits only when no restarts exist
  // so one crash (exit + restart) is not counted twice.
  const times = (inst.restartTimes.length > 0 ? inst.restartTimes : inst.nonZeroExitTimes).filter((t) => t <= horizon);
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

  const loops = (group: InstanceState[]): Hit[] =>
    group
      .map((i) => ({ t: crashLoopAt(i, c.crashLoop.restarts, c.crashLoop.within, o.horizon), instance: i.id }))
      .filter((h): h is Hit => h.t !== null)
      .sort((a, b) => a.t - b.t || (a.instance < b.instance ? -1 : 1));
  const canaryLoops = loops(canary);
  const first = canaryLoops[0];
  if (first) {
    const baselineLoops = loops(baseline).filter((h) => h.t <= first.t);
    if (baselineLoops.length === 0) {
      out.push({
        at: first.t,
        kind: 'critical',
        instances: canaryLoops.map((h) => h.instance),
        reason: {
          signal: 'crash_loop',
          severity: 'critical',
          message: `canary crash loop: ${canaryLoops.map((h) => h.instance).join(', ')} restarted >= ${c.crashLoop.restarts} times within ${formatDuration(c.crashLoop.within)}; baseline none at the time`,
          canary: canaryLoops.length,
          baseline: 0,
          threshold: c.crashLoop.restarts,
          cause: 'release',
        },
      });
    }
  }
  return out;
}
