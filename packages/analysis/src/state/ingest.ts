// Folding one event into a rollout's state. Pure: the caller owns the state object.
//
// Event time, not arrival time: windows are aligned to multiples of the interval; the watermark is
// the highest event time seen minus the allowed lateness. An event older than the watermark is
// late: its window is already closed (a verdict may have been published from it), so metrics and
// logs are dropped and counted, but lifecycle events (OOM, exits, restarts, health) still update
// the instance's history, because missing an OOM kill is worse than a late one.
import type { EventGroup, RollwatchEvent } from '@rollwatch/core';
import type { Policy } from '../policy/schema.js';
import { classifyMetric } from './metrics.js';
import { emptyInstanceWindow, RING, type InstanceState, type RolloutState, type WindowState } from './types.js';

export type IngestOutcome = 'applied' | 'duplicate' | 'late';

export interface LogSink {
  /** Called for log lines at or above the policy's template level that were applied. */
  (state: RolloutState, group: EventGroup, instance: string, event: RollwatchEvent): void;
}

const LEVEL_ORDER = { debug: 0, info: 1, warn: 2, error: 3, fatal: 4 } as const;

export function newRolloutState(id: string): RolloutState {
  return {
    id,
    registered: false,
    firstEventMs: null,
    maxEventMs: null,
    events: 0,
    lateDropped: 0,
    duplicates: 0,
    // Keyed by producer-chosen strings (instance names, versions, batch labels): no prototype, so
    // an instance named "constructor" or "__proto__" is just a key.
    instances: dict(),
    windows: {},
    templates: {},
    templateLines: {},
    batchStarts: dict(),
    versionsFirstSeen: dict(),
    looks: { final: 0, firstFailure: {}, windowTriggers: {} },
  };
}

/** A dictionary without a prototype: safe for keys chosen by event producers. */
export function dict<T>(entries?: Record<string, T>): Record<string, T> {
  return Object.assign(Object.create(null) as Record<string, T>, entries);
}

export function windowStart(ms: number, interval: number): number {
  return Math.floor(ms / interval) * interval;
}

export function watermarkOf(state: RolloutState, policy: Policy): number | null {
  return state.maxEventMs === null ? null : state.maxEventMs - policy.analysis.lateness;
}

// The last window key: consecutive events nearly always share a window start (across rollouts too,
// since starts are aligned to the interval), and the same key string, hashed once, saves a
// number-to-string conversion and a string-table lookup per event.
let lastStart = Number.NaN;
let lastKey = '';

/** String(start), the key of a window in RolloutState.windows. */
export function windowKey(start: number): string {
  if (start !== lastStart) {
    lastStart = start;
    lastKey = String(start);
  }
  return lastKey;
}

const LIFECYCLE = new Set(['container_start', 'container_restart', 'container_exit', 'oom_killed', 'health_check_failed', 'health_check_passed']);

/** `t` is the event's time in ms when the caller already parsed it (the replay's hot path). */
export function applyEvent(state: RolloutState, event: RollwatchEvent, policy: Policy, onLog?: LogSink, t: number = Date.parse(event.time)): IngestOutcome {
  const interval = policy.analysis.interval;
  const watermark = watermarkOf(state, policy);
  const inst = instanceFor(state, event, t);
  const lifecycle = LIFECYCLE.has(event.type);

  if (watermark !== null && t < watermark) {
    // Late: the window is closed. Lifecycle history still counts (deduplicated by id).
    if (lifecycle && !inst.lifecycleIds.includes(event.id)) {
      applyLifecycle(inst, event, t);
      touchInstance(state, inst, event, t);
      state.events++;
      return 'applied';
    }
    if (lifecycle) state.duplicates++;
    else state.lateDropped++;
    return lifecycle ? 'duplicate' : 'late';
  }

  const start = windowStart(t, interval);
  const key = windowKey(start);
  let window = state.windows[key];
  const created = !window;
  if (!window) {
    window = { start, instances: dict(), external: {}, ids: new Set() };
    state.windows[key] = window;
  }
  if (window.ids?.has(event.id) || (lifecycle && inst.lifecycleIds.includes(event.id))) {
    state.duplicates++;
    return 'duplicate';
  }
  window.ids?.add(event.id);
  touchInstance(state, inst, event, t);
  state.events++;
  if (lifecycle) applyLifecycle(inst, event, t);
  applyToWindow(window, inst, event, policy, state, onLog);
  advance(state, t, policy, created);
  return 'applied';
}

function instanceFor(state: RolloutState, event: RollwatchEvent, t: number): InstanceState {
  let inst = state.instances[event.instance];
  if (!inst) {
    state.inventoryVersion = (state.inventoryVersion ?? 0) + 1;
    inst = {
      id: event.instance,
      group: event.group,
      hostAttributes: {},
      versionAt: -Infinity,
      firstSeen: t,
      lastSeen: t,
      restartTimes: [],
      oomTimes: [],
      nonZeroExitTimes: [],
      healthFailureTimes: [],
      health: [],
      lifecycleIds: [],
    };
    state.instances[event.instance] = inst;
  }
  return inst;
}

function touchInstance(state: RolloutState, inst: InstanceState, event: RollwatchEvent, t: number): void {
  if (state.firstEventMs === null || t < state.firstEventMs) state.firstEventMs = t;
  if (state.service === undefined && event.service !== undefined) state.service = event.service;
  inst.firstSeen = Math.min(inst.firstSeen, t);
  // Descriptive fields follow the instance's latest event (an upgrade changes version and batch).
  if (t >= inst.lastSeen) {
    inst.lastSeen = t;
    if (inst.group !== event.group) {
      state.inventoryVersion = (state.inventoryVersion ?? 0) + 1;
      state.groupsVersion = (state.groupsVersion ?? 0) + 1;
    }
    inst.group = event.group;
    if (event.host !== undefined) inst.host = event.host;
    if (event.service !== undefined) inst.service = event.service;
    if (event.hostAttributes) {
      inst.hostAttributes = { ...inst.hostAttributes, ...event.hostAttributes };
      state.inventoryVersion = (state.inventoryVersion ?? 0) + 1;
    }
  }
  if (event.version !== undefined && t >= inst.versionAt) {
    inst.version = event.version;
    inst.versionAt = t;
  }
  if (event.version !== undefined) {
    const seen = state.versionsFirstSeen[event.version];
    if (seen === undefined || t < seen) state.versionsFirstSeen[event.version] = t;
  }
  if (state.policyLabel === undefined && event.labels?.policy !== undefined) state.policyLabel = event.labels.policy;
  const batchLabel = event.labels?.batch;
  if (batchLabel !== undefined && /^\d+$/.test(batchLabel)) {
    const batch = Number(batchLabel);
    if (t >= inst.versionAt || inst.batch === undefined) inst.batch = batch;
    const seen = state.batchStarts[batchLabel];
    if (seen === undefined || t < seen) state.batchStarts[batchLabel] = t;
  }
}

function applyLifecycle(inst: InstanceState, event: RollwatchEvent, t: number): void {
  pushRing(inst.lifecycleIds, event.id, RING.lifecycleIds);
  switch (event.type) {
    case 'container_restart':
      insertTime(inst.restartTimes, t);
      setHealth(inst, t, true);
      break;
    case 'container_start':
    case 'health_check_passed':
      setHealth(inst, t, true);
      break;
    case 'oom_killed':
      insertTime(inst.oomTimes, t);
      setHealth(inst, t, false);
      break;
    case 'container_exit':
      if ((event.exitCode ?? 0) !== 0) insertTime(inst.nonZeroExitTimes, t);
      setHealth(inst, t, false);
      break;
    case 'health_check_failed':
      insertTime(inst.healthFailureTimes, t);
      setHealth(inst, t, false);
      break;
    default:
      break;
  }
}

function applyToWindow(window: WindowState, inst: InstanceState, event: RollwatchEvent, policy: Policy, state: RolloutState, onLog?: LogSink): void {
  const agg = (window.instances[inst.id] ??= emptyInstanceWindow());
  agg.events++;
  switch (event.type) {
    case 'container_restart':
      agg.restarts++;
      break;
    case 'oom_killed':
      agg.ooms++;
      break;
    case 'container_exit':
      if ((event.exitCode ?? 0) !== 0) agg.nonZeroExits++;
      break;
    case 'health_check_failed':
      agg.healthFailures++;
      break;
    case 'health_check_passed':
      agg.healthPasses++;
      break;
    case 'log': {
      agg.logs++;
      if (event.level === 'error') agg.errorLogs++;
      if (event.level === 'fatal') agg.fatalLogs++;
      const lt = policy.logTemplates;
      if (onLog && lt.enabled && event.message !== undefined && LEVEL_ORDER[event.level ?? 'info'] >= LEVEL_ORDER[lt.minLevel]) {
        onLog(state, event.group, inst.id, event);
      }
      break;
    }
    case 'metric':
      applyMetric(window, agg, inst, event, policy);
      break;
    default:
      break;
  }
}

function applyMetric(window: WindowState, agg: ReturnType<typeof emptyInstanceWindow>, inst: InstanceState, event: RollwatchEvent, policy: Policy): void {
  const value = event.value;
  const name = event.metric;
  if (value === undefined || name === undefined) return;
  const known = classifyMetric(name);
  if (known) {
    const v = value * known.scale;
    switch (known.kind) {
      case 'requests':
        agg.requests += v;
        break;
      case 'errors':
        agg.httpErrors += v;
        break;
      case 'latencyMs':
        agg.latencySumMs += v;
        agg.latencyCount++;
        break;
      case 'cpu':
        agg.cpuSum += v;
        agg.cpuCount++;
        break;
      default: {
        const unreachable: never = known.kind;
        throw new Error(`unhandled metric kind ${String(unreachable)}`);
      }
    }
    return;
  }
  // A metric named like a policy signal (e.g. a custom `queue_depth`) is a sample of that signal;
  // anything else is ignored so unknown metrics cannot grow memory.
  if (policy.signals[name] === undefined) return;
  if (event.group === 'other') return;
  const bySignal = (window.external[name] ??= {});
  const byGroup = (bySignal[event.group] ??= {});
  const cell = (byGroup[inst.id] ??= { sum: 0, count: 0 });
  cell.sum += value;
  cell.count++;
}

/**
 * Moves the watermark: closes windows (their id sets go) and drops windows beyond retention.
 * `windowCreated` false says no window was added since the last call, so retention cannot be
 * exceeded and only a watermark crossing a window boundary has work to do (the per-event path).
 */
export function advance(state: RolloutState, t: number, policy: Policy, windowCreated = true): void {
  if (state.maxEventMs !== null && t <= state.maxEventMs) return;
  const interval = policy.analysis.interval;
  const lateness = policy.analysis.lateness;
  const before = state.maxEventMs === null ? null : Math.floor((state.maxEventMs - lateness) / interval);
  state.maxEventMs = t;
  const watermark = t - lateness;
  // Windows only close when the watermark crosses a window boundary.
  if (before !== null && Math.floor(watermark / interval) === before && (!windowCreated || Object.keys(state.windows).length <= policy.analysis.retainWindows)) return;
  // Every closed window, in any order (the set is what counts), by its own key: sorting the starts
  // and looking each one up again by String(start) was a measurable share of a replay's ingest.
  let count = 0;
  for (const key in state.windows) {
    count++;
    const w = state.windows[key]!;
    if (w.start + interval <= watermark) w.ids = null;
  }
  const excess = count - policy.analysis.retainWindows;
  if (excess <= 0) return;
  const starts = Object.keys(state.windows).map(Number).sort((a, b) => a - b);
  for (let i = 0; i < excess; i++) delete state.windows[String(starts[i])];
}

function setHealth(inst: InstanceState, t: number, healthy: boolean): void {
  const h = inst.health;
  let i = h.length;
  while (i > 0 && h[i - 1]![0] > t) i--;
  h.splice(i, 0, [t, healthy]);
  if (h.length > RING.health) h.splice(0, h.length - RING.health);
}

function insertTime(times: number[], t: number): void {
  let i = times.length;
  while (i > 0 && times[i - 1]! > t) i--;
  times.splice(i, 0, t);
  if (times.length > RING.times) times.splice(0, times.length - RING.times);
}

function pushRing(ring: string[], value: string, max: number): void {
  ring.push(value);
  if (ring.length > max) ring.splice(0, ring.length - max);
}
