// Per-rollout state: aggregates per event-time window and per instance, never raw events, so
// memory is bounded by (instances x retained windows) plus small bounded rings. Everything here is
// plain data (arrays and records) so snapshot() is JSON.
import type { EventGroup } from '@rollwatch/core';

/** Aggregates of one instance in one window. Counters are sums of event counts / metric values. */
export interface InstanceWindow {
  events: number;
  restarts: number;
  ooms: number;
  nonZeroExits: number;
  healthFailures: number;
  healthPasses: number;
  logs: number;
  errorLogs: number;
  fatalLogs: number;
  /** Per-window increments of http_requests_total / http_errors_total (delta counters). */
  requests: number;
  httpErrors: number;
  latencySumMs: number;
  latencyCount: number;
  cpuSum: number;
  cpuCount: number;
}

export interface ExternalAggregate {
  sum: number;
  count: number;
}

export interface WindowState {
  /** Window start, epoch ms, aligned to multiples of the interval. */
  start: number;
  instances: Record<string, InstanceWindow>;
  /** Samples fed by a MetricProvider: signal -> group -> instance key -> aggregate. */
  external: Record<string, Partial<Record<EventGroup, Record<string, ExternalAggregate>>>>;
  /** Event ids seen in this window while it is open (dropped when it closes: bounded dedup). */
  ids: Set<string> | null;
}

export type ComparedGroup = 'canary' | 'baseline';

export interface InstanceState {
  id: string;
  /** Group as reported by the instance's latest event. */
  group: EventGroup;
  service?: string;
  host?: string;
  hostAttributes: Record<string, string>;
  version?: string;
  versionAt: number;
  batch?: number;
  firstSeen: number;
  lastSeen: number;
  /** Bounded rings of event times (ms), sorted ascending. */
  restartTimes: number[];
  oomTimes: number[];
  nonZeroExitTimes: number[];
  healthFailureTimes: number[];
  /** Health transitions [time, healthy], sorted; bounded. */
  health: [number, boolean][];
  /** Ids of lifecycle events, for dedup of late duplicates (bounded ring). */
  lifecycleIds: string[];
}

export interface TemplateCount {
  count: number;
  instances: string[];
  example: string;
  template: string;
  /** Highest log level seen for the template (absent in snapshots from older versions). */
  level?: 'debug' | 'info' | 'warn' | 'error' | 'fatal';
  /** Event times (ms) of the first occurrences, sorted, bounded (RING.templateTimes). */
  times?: number[];
}

export interface RolloutState {
  id: string;
  service?: string;
  registered: boolean;
  /** Bumped when instances, their groups or host attributes change (inventory cache key). */
  inventoryVersion?: number;
  /** Bumped when a known instance moves to another group (memoised per-window judge inputs depend on groups). */
  groupsVersion?: number;
  /** Policy named by the events' `labels.policy` (used when no spec names one). */
  policyLabel?: string;
  firstEventMs: number | null;
  maxEventMs: number | null;
  events: number;
  lateDropped: number;
  duplicates: number;
  instances: Record<string, InstanceState>;
  /** Windows by start time (as string keys for JSON). */
  windows: Record<string, WindowState>;
  /** Log template counts per reported group (canary / baseline / stable), keyed by template id. */
  templates: Partial<Record<EventGroup, Record<string, TemplateCount>>>;
  templateLines: Partial<Record<EventGroup, number>>;
  /** First event time labelled with each batch number (batch upgrades). */
  batchStarts: Record<string, number>;
  /** First time each version was reported: the newest is the upgrade target when none is given. */
  versionsFirstSeen: Record<string, number>;
  /** Comparative looks already final (their windows are closed), with first failure per signal. */
  looks: LookCache;
}

export interface SignalFailure {
  look: number;
  reason: import('@rollwatch/core').Reason;
  /** Event time of the look (window end), ms. */
  at: number;
  pValue: number;
  alpha: number;
  canary: number;
  baseline: number;
  relativeIncrease: number;
  hlShift: number;
}

export interface LookCache {
  /** Looks 1..final have been evaluated on closed windows and cannot change. */
  final: number;
  firstFailure: Record<string, SignalFailure>;
  /** First look at which the canary error rate threshold was exceeded, etc. (window-based triggers). */
  windowTriggers: Record<string, { at: number; reason: import('@rollwatch/core').Reason }>;
}

export const RING = {
  times: 64,
  health: 256,
  lifecycleIds: 256,
  instanceTemplateIds: 16,
  templateTimes: 64,
} as const;

export function emptyInstanceWindow(): InstanceWindow {
  return {
    events: 0,
    restarts: 0,
    ooms: 0,
    nonZeroExits: 0,
    healthFailures: 0,
    healthPasses: 0,
    logs: 0,
    errorLogs: 0,
    fatalLogs: 0,
    requests: 0,
    httpErrors: 0,
    latencySumMs: 0,
    latencyCount: 0,
    cpuSum: 0,
    cpuCount: 0,
  };
}

/** `stable` counts as baseline when the rollout has no `baseline` instances. */
export function comparedGroup(group: EventGroup, hasBaseline: boolean): ComparedGroup | null {
  if (group === 'canary') return 'canary';
  if (group === 'baseline') return 'baseline';
  if (group === 'stable' && !hasBaseline) return 'baseline';
  return null;
}

const baselineCache = new WeakMap<RolloutState, { version: number; value: boolean }>();

export function hasBaselineGroup(state: RolloutState): boolean {
  // Called many times per evaluation: with 20k instances even enumerating the keys costs, so the
  // answer is kept until the inventory changes (states built by hand, without a version, are not cached).
  const version = state.inventoryVersion;
  const cached = version === undefined ? undefined : baselineCache.get(state);
  if (cached && cached.version === version) return cached.value;
  let value = false;
  for (const id in state.instances) {
    if (state.instances[id]!.group === 'baseline') {
      value = true;
      break;
    }
  }
  if (version !== undefined) baselineCache.set(state, { version, value });
  return value;
}

/** One (window, instance) mean fed by a MetricProvider for `signal`, in its compared group. */
export interface ExternalMean {
  window: number;
  /** `<reported group>/<instance>`: the provider's instance ids are per group. */
  instance: string;
  group: ComparedGroup;
  value: number;
}

/** Every provider-fed (window, instance) mean of `signal` whose group is compared (empty cells skipped). */
export function* externalMeans(windows: readonly WindowState[], signal: string, hasBaseline: boolean): Generator<ExternalMean> {
  for (const w of windows) {
    const bySignal = w.external[signal];
    if (!bySignal) continue;
    for (const [reported, cells] of Object.entries(bySignal)) {
      const group = comparedGroup(reported as EventGroup, hasBaseline);
      if (group === null || !cells) continue;
      for (const [instance, cell] of Object.entries(cells)) {
        if (cell.count === 0) continue;
        yield { window: w.start, instance: `${reported}/${instance}`, group, value: cell.sum / cell.count };
      }
    }
  }
}
