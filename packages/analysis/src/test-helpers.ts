// Helpers for this package's tests (not exported from index.ts).
import { parseEvent, type RollwatchEvent, type RollwatchEventInput } from '@rollwatch/core';

export const T0 = Date.UTC(2025, 0, 6, 10, 0, 0);
export const SEC = 1000;
export const MIN = 60_000;

let counter = 0;

/** A validated event; `t` is ms after T0. */
export function ev(t: number, fields: Partial<RollwatchEventInput> & { instance: string; type: RollwatchEventInput['type'] }): RollwatchEvent {
  const input = {
    id: `e${++counter}`,
    time: new Date(T0 + t).toISOString(),
    rollout: 'r1',
    group: fields.instance.startsWith('c') ? 'canary' : 'baseline',
    service: 'web',
    ...fields,
  } as RollwatchEventInput;
  const r = parseEvent(input);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.event;
}

export interface SteadyOptions {
  canary?: number;
  baseline?: number;
  minutes: number;
  from?: number;
  rps?: number;
  errorRate?: (instance: string, minute: number) => number;
  latency?: (instance: string, minute: number) => number;
  cpu?: (instance: string, minute: number) => number;
  rollout?: string;
  hostAttributes?: (instance: string) => Record<string, string>;
  /** Deterministic jitter per (instance, minute). */
  jitter?: boolean;
}

/** Per-minute metrics for a steady fleet: requests, errors, latency, CPU. */
export function steady(o: SteadyOptions): RollwatchEvent[] {
  const out: RollwatchEvent[] = [];
  const ids = [...Array.from({ length: o.canary ?? 3 }, (_, i) => `c${i + 1}`), ...Array.from({ length: o.baseline ?? 6 }, (_, i) => `b${i + 1}`)];
  const from = o.from ?? 0;
  const rollout = o.rollout ?? 'r1';
  for (const id of ids) {
    out.push(ev(from, { rollout, instance: id, type: 'container_start', host: `node-${id}`, ...(o.hostAttributes ? { hostAttributes: o.hostAttributes(id) } : {}) }));
  }
  for (let m = 0; m < o.minutes; m++) {
    for (const [k, id] of ids.entries()) {
      const wiggle = o.jitter === false ? 0 : (((k * 7 + m * 13) % 11) - 5) / 100; // +-5%, deterministic
      const t = from + m * MIN + 30 * SEC + k * 100;
      const requests = Math.round((o.rps ?? 10) * 60 * (1 + wiggle));
      const rate = o.errorRate?.(id, m) ?? 0.01;
      out.push(ev(t, { rollout, instance: id, type: 'metric', metric: 'http_requests_total', value: requests }));
      out.push(ev(t + 1, { rollout, instance: id, type: 'metric', metric: 'http_errors_total', value: Math.round(requests * rate * (1 - wiggle)) }));
      out.push(ev(t + 2, { rollout, instance: id, type: 'metric', metric: 'latency_ms', value: (o.latency?.(id, m) ?? 100) * (1 + wiggle) }));
      out.push(ev(t + 3, { rollout, instance: id, type: 'metric', metric: 'cpu_ratio', value: (o.cpu?.(id, m) ?? 0.4) * (1 + wiggle) }));
    }
  }
  return out;
}

/** Fisher-Yates with a seeded LCG: deterministic shuffles for order-independence tests. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed >>> 0;
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
