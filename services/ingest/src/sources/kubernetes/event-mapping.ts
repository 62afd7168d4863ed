import type { EventType, LogLevel } from '@rollwatch/core';
import type { SourceEvent } from '../interface.js';
import { MAX_BACKFILL, SOURCE_NAME } from './pod-events.js';
import type { KubeEvent } from './types.js';
import { K8S_LABELS } from './workload.js';

/** What each watched core/v1 Event reason becomes. Other reasons are ignored. */
export const EVENT_REASON_MAPPING: Readonly<Record<string, (message: string) => { type: EventType; level: LogLevel }>> = {
  Unhealthy: () => ({ type: 'health_check_failed', level: 'warn' }),
  BackOff: () => ({ type: 'log', level: 'error' }),
  // Killing is routine during scale-down; only a kill caused by a failed probe is a problem.
  Killing: (message) => ({ type: 'log', level: /fail|unhealthy/i.test(message) ? 'warn' : 'info' }),
  Failed: () => ({ type: 'log', level: 'error' }),
  FailedScheduling: () => ({ type: 'log', level: 'warn' }),
  OOMKilling: () => ({ type: 'oom_killed', level: 'error' }),
};

/** Who an Event is about, resolved by the caller from its pod/node caches. */
export interface EventSubject {
  instance: string;
  labels: Record<string, string>;
  host?: string;
  hostAttributes?: Record<string, string>;
  service?: string;
  version?: string;
}

export interface KubeEventContext {
  now: number;
  lookbackMs: number;
  subject: EventSubject;
}

/** How many times the Event has happened: `series.count` (events.k8s.io style) or the legacy `count`. */
export function occurrences(event: KubeEvent): number {
  return event.series?.count ?? event.count ?? 1;
}

export function lastSeen(event: KubeEvent): string | undefined {
  return event.series?.lastObservedTime ?? event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp ?? event.metadata?.creationTimestamp ?? undefined;
}

export function isWatchedReason(reason: string | undefined): boolean {
  return reason !== undefined && Object.hasOwn(EVENT_REASON_MAPPING, reason);
}

/** `spec.containers{app}` → `app`. */
function containerOf(fieldPath: string | undefined): string | undefined {
  return fieldPath ? /spec\.(?:initContainers|containers)\{([^}]+)\}/.exec(fieldPath)?.[1] : undefined;
}

/**
 * Rollwatch events for a core/v1 Event going from `prev` to `next`. The apiserver aggregates repeats
 * into one Event object whose count grows, so every count increment is a new occurrence; ids are
 * `Event uid + occurrence number`, so relists never duplicate.
 */
export function kubeEventEvents(prev: KubeEvent | undefined, next: KubeEvent, ctx: KubeEventContext): SourceEvent[] {
  const reason = next.reason;
  if (!reason || !isWatchedReason(reason)) return [];
  const message = next.message ?? reason;
  const { type, level } = EVENT_REASON_MAPPING[reason]!(message);
  const count = occurrences(next);
  const seen = lastSeen(next);
  const seenMs = seen ? Date.parse(seen) : NaN;
  const numbers: number[] = [];
  if (prev === undefined) {
    if (Number.isFinite(seenMs) && seenMs >= ctx.now - ctx.lookbackMs) numbers.push(count);
  } else {
    const before = occurrences(prev);
    for (let k = Math.max(before + 1, count - MAX_BACKFILL + 1); k <= count; k++) numbers.push(k);
  }
  const uid = next.metadata?.uid ?? `${next.metadata?.namespace}/${next.metadata?.name}`;
  const container = containerOf(next.involvedObject?.fieldPath);
  const { subject } = ctx;
  return numbers.map((k) => {
    const event: SourceEvent = {
      id: ['k8s-event', uid, k].join(':'),
      time: new Date(Number.isFinite(seenMs) ? seenMs : ctx.now).toISOString(),
      type,
      level,
      instance: subject.instance,
      source: SOURCE_NAME,
      message: `${reason}: ${message}`,
      labels: {
        ...subject.labels,
        [K8S_LABELS.reason]: reason,
        [K8S_LABELS.eventReason]: reason,
        [K8S_LABELS.eventCount]: String(k),
        ...(container ? { [K8S_LABELS.container]: container } : {}),
      },
    };
    if (subject.host) event.host = subject.host;
    if (subject.hostAttributes && Object.keys(subject.hostAttributes).length) event.hostAttributes = subject.hostAttributes;
    if (subject.service) event.service = subject.service;
    if (subject.version) event.version = subject.version;
    return event;
  });
}
