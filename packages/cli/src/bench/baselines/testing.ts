// Event builders for the baselines' unit tests (and nothing else).
import type { EventGroup, RollwatchEvent } from '@rollwatch/core';

export const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);
let seq = 0;

export function metric(group: EventGroup, instance: string, atMs: number, name: string, value: number): RollwatchEvent {
  return { id: `e${++seq}`, time: new Date(atMs).toISOString(), rollout: 'r', group, type: 'metric', instance, metric: name, value };
}

/** One instance reporting every 10 s for `minutes`: requests, errors and latency from callbacks. */
export function traffic(
  group: EventGroup,
  instance: string,
  minutes: number,
  shape: (minute: number) => { requests: number; errors: number; latencyMs: number } | null,
): RollwatchEvent[] {
  const out: RollwatchEvent[] = [];
  for (let s = 0; s < minutes * 60; s += 10) {
    const minute = Math.floor(s / 60);
    const v = shape(minute);
    if (!v) continue;
    const at = T0 + s * 1000;
    out.push(metric(group, instance, at, 'http_requests_total', v.requests / 6));
    out.push(metric(group, instance, at, 'http_errors_total', v.errors / 6));
    out.push(metric(group, instance, at, 'latency_ms', v.latencyMs));
  }
  return out;
}
