// Aggregates events into fixed steps per group, the way a Prometheus range query with a step would
// see them: what baselines (which only read metrics) get to work with. Lifecycle events (restarts,
// OOM kills, exits) are deliberately not aggregated: metric-only analyses cannot see them.
import type { EventGroup, RollwatchEvent } from '@rollwatch/core';
import { classifyMetric } from '@rollwatch/analysis';

export interface StepAggregate {
  /** Step start, epoch ms. */
  start: number;
  requests: number;
  errors: number;
  latencySumMs: number;
  latencyReports: number;
}

export function emptyStep(start: number): StepAggregate {
  return { start, requests: 0, errors: 0, latencySumMs: 0, latencyReports: 0 };
}

export interface StepSeries {
  /** Start of the first step (aligned to the step), epoch ms. */
  origin: number;
  /** End of the last event's step, epoch ms. */
  end: number;
  stepMs: number;
  /** Steps by group; index i covers [origin + i·step, origin + (i+1)·step). Missing steps are empty. */
  groups: Partial<Record<EventGroup, StepAggregate[]>>;
}

export function timeOf(event: RollwatchEvent): number {
  return Date.parse(event.time);
}

/** Analysis starts when the first event arrives (the rollout began), aligned to the step. */
export function aggregateSteps(events: readonly RollwatchEvent[], stepMs: number): StepSeries {
  if (!(stepMs > 0)) throw new RangeError('aggregateSteps: stepMs must be positive');
  let first = Infinity;
  let last = -Infinity;
  for (const e of events) {
    const t = timeOf(e);
    if (t < first) first = t;
    if (t > last) last = t;
  }
  if (!Number.isFinite(first)) return { origin: 0, end: 0, stepMs, groups: {} };
  const origin = Math.floor(first / stepMs) * stepMs;
  const count = Math.floor((last - origin) / stepMs) + 1;
  const groups: Partial<Record<EventGroup, StepAggregate[]>> = {};
  const stepsOf = (group: EventGroup): StepAggregate[] => (groups[group] ??= Array.from({ length: count }, (_, i) => emptyStep(origin + i * stepMs)));
  for (const e of events) {
    if (e.type !== 'metric' || e.metric === undefined || e.value === undefined) continue;
    // The same metric catalogue the judge uses; CPU is not part of these baselines.
    const m = classifyMetric(e.metric);
    if (!m || m.kind === 'cpu') continue;
    const step = stepsOf(e.group)[Math.floor((timeOf(e) - origin) / stepMs)]!;
    const value = e.value * m.scale;
    if (m.kind === 'requests') step.requests += value;
    else if (m.kind === 'errors') step.errors += value;
    else {
      step.latencySumMs += value;
      step.latencyReports += 1;
    }
  }
  return { origin, end: origin + count * stepMs, stepMs, groups };
}

/** Sums steps [from, to) into one aggregate. */
export function sumSteps(steps: readonly StepAggregate[] | undefined, from: number, to: number): StepAggregate {
  const total = emptyStep(from);
  for (const s of steps ?? []) {
    if (s.start < from || s.start >= to) continue;
    total.requests += s.requests;
    total.errors += s.errors;
    total.latencySumMs += s.latencySumMs;
    total.latencyReports += s.latencyReports;
  }
  return total;
}
