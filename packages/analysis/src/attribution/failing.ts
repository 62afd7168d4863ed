// Which instances "failed" for attribution purposes: something an SRE would call broken, not mere
// noise: an OOM kill, a crash loop, repeated non-zero exits or repeated health-check failures.
import type { Policy } from '../policy/schema.js';
import type { InstanceState } from '../state/types.js';
import { crashLoopAt } from '../judge/critical.js';

export interface InstanceFailure {
  kind: 'OOM kill' | 'crash loop' | 'non-zero exits' | 'health-check failures';
  /** When the instance first met the criterion (event time, ms). */
  at: number;
}

export function failureOf(inst: InstanceState, policy: Policy, horizon: number): InstanceFailure | null {
  const nth = (times: number[], n: number): number | undefined => times.filter((t) => t <= horizon)[n - 1];
  const found: InstanceFailure[] = [];
  const oom = nth(inst.oomTimes, 1);
  if (oom !== undefined) found.push({ kind: 'OOM kill', at: oom });
  const loop = crashLoopAt(inst, policy.critical.crashLoop.restarts, policy.critical.crashLoop.within, horizon);
  if (loop !== null) found.push({ kind: 'crash loop', at: loop });
  const exits = nth(inst.nonZeroExitTimes, 2);
  if (exits !== undefined) found.push({ kind: 'non-zero exits', at: exits });
  const health = nth(inst.healthFailureTimes, 3);
  if (health !== undefined) found.push({ kind: 'health-check failures', at: health });
  found.sort((a, b) => a.at - b.at);
  return found[0] ?? null;
}
