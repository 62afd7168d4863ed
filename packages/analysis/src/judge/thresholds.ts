// Absolute thresholds from the policy: canary error rate above the ceiling in a closed window,
// no healthy canary instance for too long, CPU above the ceiling for a sustained period.
import type { Policy } from '../policy/schema.js';
import { formatDuration } from '../policy/duration.js';
import type { ComparedGroup, InstanceState, RolloutState, WindowState } from '../state/types.js';
import { comparedGroup, hasBaselineGroup } from '../state/types.js';
import { fmt } from './compare.js';
import { pooled } from './samples.js';
import { memoWindow } from './window-memo.js';
import type { Trigger } from './triggers.js';

type Membership = (instance: string) => boolean;

/**
 * Names a membership that depends only on the instances' compared groups (the canary group, the
 * baseline group): each closed window's sums are then memoised (window-memo.ts, replay engines
 * only) instead of re-read at every look. Leave it out for any other membership.
 */
export type GroupMemo = ComparedGroup | undefined;

// Constant memo names (a name built per call is a new string to hash per window).
const POOLED_MEMO = { canary: 'pooled:canary', baseline: 'pooled:baseline' } as const;
const PROBES_MEMO = { canary: 'probes:canary', baseline: 'probes:baseline' } as const;

function pooledOf(state: RolloutState, policy: Policy, w: WindowState, members: Membership, memo: GroupMemo): ReturnType<typeof pooled> {
  return memo === undefined ? pooled(state, w, 'all', members) : memoWindow(state, policy, POOLED_MEMO[memo], w, () => pooled(state, w, 'all', members));
}

/** First closed window (end <= horizon) whose pooled error rate exceeds the ceiling. */
export function errorRateTrigger(state: RolloutState, policy: Policy, windows: readonly WindowState[], horizon: number, members: Membership, label: string, memo?: GroupMemo): Trigger | null {
  const t = policy.thresholds;
  for (const w of windows) {
    const end = w.start + policy.analysis.interval;
    if (end > horizon) break;
    const p = pooledOf(state, policy, w, members, memo);
    if (p.requests < Math.max(1, t.errorRateMinRequests)) continue;
    const rate = p.errors / p.requests;
    if (rate > t.errorRate) {
      return {
        at: end,
        kind: 'threshold',
        instances: Object.keys(w.instances).filter(members),
        reason: {
          signal: 'http_error_rate',
          severity: 'fail',
          message: `${label} error rate ${fmt(rate * 100, 3)}% (${p.errors}/${p.requests} requests in the window from ${new Date(w.start).toISOString()}) is above the ${fmt(t.errorRate * 100)}% ceiling`,
          canary: rate,
          threshold: t.errorRate,
          cause: 'release',
        },
      };
    }
  }
  return null;
}

/**
 * Canary failed/all health probes above thresholds.failedProbes.ratio over a trailing span of closed
 * windows (at most `within` long, ending at each closed window in turn), with at least `minFailed`
 * failed probes, while the baseline's fraction over the same span is at most half the ratio (a
 * fleet-wide probe problem is left to the comparative test and attribution). A canary failing a
 * fifth of its probes is a rollback on its own: no statistics, so it also fires at 1 canary vs 3
 * baselines within minutes. `minFailed` keeps a healthy ~1% failure rate from tripping it by chance.
 */
export function failedProbeTrigger(
  state: RolloutState,
  policy: Policy,
  windows: readonly WindowState[],
  horizon: number,
  isCanary: Membership,
  isBaseline: Membership,
  memo?: { canary: GroupMemo; baseline: GroupMemo },
): Trigger | null {
  const { ratio, minFailed, within } = policy.thresholds.failedProbes;
  if (minFailed <= 0) return null;
  const interval = policy.analysis.interval;
  const probes = (w: WindowState, members: Membership): { failed: number; all: number } => {
    let failed = 0;
    let all = 0;
    // for..in, not Object.entries (no [key, value] array per instance): every window, every look.
    for (const instance in w.instances) {
      if (!members(instance)) continue;
      const agg = w.instances[instance]!;
      failed += agg.healthFailures;
      all += agg.healthFailures + agg.healthPasses;
    }
    return { failed, all };
  };
  const probesOf = (w: WindowState, members: Membership, name: GroupMemo): { failed: number; all: number } =>
    name === undefined ? probes(w, members) : memoWindow(state, policy, PROBES_MEMO[name], w, () => probes(w, members));
  const canary = windows.map((w) => probesOf(w, isCanary, memo?.canary));
  const baseline = windows.map((w) => probesOf(w, isBaseline, memo?.baseline));
  for (let i = 0; i < windows.length; i++) {
    const end = windows[i]!.start + interval;
    if (end > horizon) break;
    const c = { failed: 0, all: 0 };
    const b = { failed: 0, all: 0 };
    for (let j = i; j >= 0 && end - windows[j]!.start <= within; j--) {
      c.failed += canary[j]!.failed;
      c.all += canary[j]!.all;
      b.failed += baseline[j]!.failed;
      b.all += baseline[j]!.all;
      if (c.failed < minFailed || c.failed / c.all <= ratio) continue;
      if (b.all > 0 && b.failed / b.all > ratio / 2) continue;
      const from = windows[j]!.start;
      const failing = new Set<string>();
      for (let k = j; k <= i; k++) for (const [instance, agg] of Object.entries(windows[k]!.instances)) if (agg.healthFailures > 0 && isCanary(instance)) failing.add(instance);
      const at = completedAt(state, windows[i]!, end, isCanary, c, canary[i]!.failed, minFailed, ratio);
      const baselineText = b.all > 0 ? `baseline ${fmt((b.failed / b.all) * 100, 3)}% (${b.failed}/${b.all})` : 'no baseline probes';
      return {
        at,
        kind: 'threshold',
        instances: [...failing].sort(),
        reason: {
          signal: 'health_check_failures',
          severity: 'fail',
          message: `canary failed ${fmt((c.failed / c.all) * 100, 3)}% of its health probes (${c.failed}/${c.all} from ${new Date(from).toISOString()} to ${new Date(end).toISOString()}), above the ${fmt(ratio * 100)}% ceiling (thresholds.failedProbes); ${baselineText}`,
          canary: c.failed / c.all,
          ...(b.all > 0 ? { baseline: b.failed / b.all } : {}),
          threshold: ratio,
          cause: 'release',
        },
      };
    }
  }
  return null;
}

/**
 * When the failed-probe evidence of a span ending with window `w` was complete: the time of the
 * canary's failed probe in `w` that first made the span's count reach `minFailed` and its fraction
 * exceed `ratio`, with every probe of the span (passes included) in the denominator, so the
 * fraction at that moment is never overstated. Until 2026-12 it was the window's end: up to a
 * window (30 s on average) after the deciding probe. The window end when the instances' rings of
 * failure times do not hold exactly the window's failures (a ring overflowed, a late duplicate).
 */
function completedAt(state: RolloutState, w: WindowState, end: number, isCanary: Membership, span: { failed: number; all: number }, inWindow: number, minFailed: number, ratio: number): number {
  const times: number[] = [];
  for (const instance in w.instances) {
    if (!isCanary(instance) || w.instances[instance]!.healthFailures === 0) continue;
    for (const t of state.instances[instance]?.healthFailureTimes ?? []) if (t >= w.start && t < end) times.push(t);
  }
  if (times.length !== inWindow) return end;
  times.sort((a, b) => a - b);
  const before = span.failed - inWindow;
  for (let k = 0; k < times.length; k++) {
    const failed = before + k + 1;
    if (failed >= minFailed && failed / span.all > ratio) return times[k]!;
  }
  return end;
}

/** CPU (mean over the members' samples per window) above the ceiling for sustainedFor. */
export function cpuTrigger(state: RolloutState, policy: Policy, windows: readonly WindowState[], horizon: number, members: Membership, label: string, memo?: GroupMemo): Trigger | null {
  const { max, sustainedFor } = policy.thresholds.cpu;
  const interval = policy.analysis.interval;
  const needed = Math.max(1, Math.ceil(sustainedFor / interval));
  let run = 0;
  let prevStart: number | null = null;
  let peak = 0;
  for (const w of windows) {
    const end = w.start + interval;
    if (end > horizon) break;
    const p = pooledOf(state, policy, w, members, memo);
    if (p.cpuCount === 0) continue;
    const mean = p.cpuSum / p.cpuCount;
    const contiguous = prevStart !== null && w.start === prevStart + interval;
    if (mean > max) {
      run = contiguous ? run + 1 : 1;
      peak = run === 1 ? mean : Math.max(peak, mean);
    } else {
      run = 0;
    }
    prevStart = w.start;
    if (run >= needed) {
      return {
        at: end,
        kind: 'threshold',
        instances: Object.keys(w.instances).filter(members),
        reason: {
          signal: 'cpu_ratio',
          severity: 'fail',
          message: `${label} CPU above ${fmt(max * 100)}% for ${formatDuration(run * interval)} (peak window mean ${fmt(peak * 100, 3)}%)`,
          canary: peak,
          threshold: max,
          cause: 'release',
        },
      };
    }
  }
  return null;
}

/** Healthy at time t: the latest transition at or before t, healthy if none yet (seen = up). */
export function healthyAt(inst: InstanceState, t: number): boolean {
  let state = true;
  for (const [at, up] of inst.health) {
    if (at > t) break;
    state = up;
  }
  return state;
}

/** No healthy canary instance for longer than thresholds.unavailableFor. */
export function unavailabilityTrigger(state: RolloutState, policy: Policy, horizon: number): Trigger | null {
  const hasBaseline = hasBaselineGroup(state);
  const canary = Object.values(state.instances).filter((i) => comparedGroup(i.group, hasBaseline) === 'canary');
  if (canary.length === 0) return null;
  const limit = policy.thresholds.unavailableFor;
  // Sweep every moment where some canary instance appears or changes health, keeping a count of
  // the canary instances up (one pass, not moments x instances: 20k OOM-killed canaries stalled it).
  const moments = new Set<number>();
  const upDelta = new Map<number, number>();
  const shift = (t: number, d: number): void => void upDelta.set(t, (upDelta.get(t) ?? 0) + d);
  for (const i of canary) {
    moments.add(i.firstSeen);
    let up = healthyAt(i, i.firstSeen);
    if (up) shift(i.firstSeen, 1);
    const h = i.health;
    for (let k = 0; k < h.length; k++) {
      const t = h[k]![0];
      moments.add(t);
      // Health entries are sorted by time; at equal times the last one counts (as in healthyAt).
      if (t <= i.firstSeen || (k + 1 < h.length && h[k + 1]![0] === t)) continue;
      if (h[k]![1] !== up) {
        up = h[k]![1];
        shift(t, up ? 1 : -1);
      }
    }
  }
  const times = [...moments].filter((t) => t <= horizon).sort((a, b) => a - b);
  let downSince: number | null = null;
  let upCount = 0;
  for (const t of times) {
    upCount += upDelta.get(t) ?? 0;
    const up = upCount > 0;
    if (!up && downSince === null) downSince = t;
    if (up && downSince !== null) {
      if (t - downSince > limit) return outage(downSince, limit, canary);
      downSince = null;
    }
  }
  if (downSince !== null && horizon - downSince > limit) return outage(downSince, limit, canary);
  return null;
}

function outage(since: number, limit: number, canary: InstanceState[]): Trigger {
  return {
    at: since + limit,
    kind: 'threshold',
    instances: canary.map((i) => i.id),
    reason: {
      signal: 'availability',
      severity: 'fail',
      message: `no healthy canary instance since ${new Date(since).toISOString()} (more than ${formatDuration(limit)})`,
      threshold: limit / 1000,
      cause: 'release',
    },
  };
}
