// The corpus' instance simulator: one instance's telemetry at the cadences of a real agent (log lines
// flushed every 10 s, metric reports every 15 s, probes every 30 s), with time-bounded modifiers a
// scenario sets (a fault from some time on, bursts, periods when the container is down).
import type { RollwatchEvent } from '@rollwatch/core';
import { CORPUS_SPEC } from './corpus-spec.js';
import { Rng } from './rng.js';

export interface CorpusInstance {
  id: string;
  group: 'canary' | 'baseline';
  host: string;
  hostAttributes: Record<string, string>;
  version: string;
  /** Healthy levels, already including this instance's spread. */
  requestsPerSec: number;
  httpErrorRatio: number;
  latencyMs: number;
  latencyNoise: number;
  infoLogsPerMin: number;
  warnLogsPerMin: number;
  errorLogsPerMin: number;
  probeFailure: number;
  /** Changes from `faultFrom` on (release faults on canaries). */
  faultFrom: number;
  fault: {
    extraErrorLogsPerMin?: number;
    httpErrorFactor?: number;
    latencyFactor?: number;
    probeFailure?: number;
    newTemplatePerMin?: number;
    newTemplate?: (r: Rng) => string;
    newTemplateLevel?: 'error' | 'info';
  };
  /** [from, to) periods of extra error lines and x3 HTTP errors (noisy baselines). */
  bursts: { from: number; to: number; errorLogsPerMin: number }[];
  /** [from, to) periods the container is not running: no telemetry, no probes. */
  down: { from: number; to: number }[];
}

const INFO_LINES: readonly ((r: Rng) => string)[] = [
  (r) => `GET /api/orders/${r.int(1000, 99999)} 200 ${r.int(3, 250)}ms`,
  (r) => `POST /api/cart/items 201 ${r.int(5, 300)}ms user=${r.int(1, 50000)}`,
  (r) => `processed batch of ${r.int(1, 500)} messages in ${r.int(2, 900)}ms`,
  (r) => `cache refreshed: ${r.int(100, 9000)} keys in ${r.int(1, 80)}ms`,
  (r) => `user ${r.int(1, 50000)} signed in via sso`,
];
const WARN_LINES: readonly ((r: Rng) => string)[] = [
  (r) => `slow query took ${r.int(500, 2000)}ms table=orders`,
  (r) => `retrying upstream call to inventory attempt=${r.int(1, 3)}`,
  (r) => `connection pool at ${r.int(70, 95)}% capacity`,
];
/** Background error lines every version logs now and then (the error-log-rate fault adds more of these). */
export const KNOWN_ERROR_LINES: readonly ((r: Rng) => string)[] = [
  (r) => `request failed: upstream timeout after ${r.int(1000, 5000)}ms path=/api/orders/${r.int(1000, 9999)}`,
  (r) => `database connection reset by peer conn=${r.int(1, 40)}`,
  (r) => `payment gateway returned 502 for order ${r.int(100000, 999999)}`,
];

export class CorpusEmitter {
  readonly events: RollwatchEvent[] = [];
  private seq = 0;
  constructor(
    readonly rollout: string,
    readonly service: string,
  ) {}

  emit(inst: CorpusInstance, t: number, type: RollwatchEvent['type'], extra: Partial<RollwatchEvent> = {}): void {
    // Service and version ride on lifecycle events only, as the agents send them.
    const lifecycle = type !== 'metric' && type !== 'log';
    this.events.push({
      id: `${this.rollout}-${(this.seq++).toString(36)}`,
      time: new Date(Math.round(t)).toISOString(),
      rollout: this.rollout,
      group: inst.group,
      type,
      instance: inst.id,
      ...(lifecycle ? { service: this.service, version: inst.version } : {}),
      ...extra,
    } as RollwatchEvent);
  }
}

function isDown(inst: CorpusInstance, t: number): boolean {
  for (const d of inst.down) if (t >= d.from && t < d.to) return true;
  return false;
}

/** Share of [from, to) the container was running. */
function upShare(inst: CorpusInstance, from: number, to: number): number {
  let down = 0;
  for (const d of inst.down) down += Math.max(0, Math.min(to, d.to) - Math.max(from, d.from));
  return Math.max(0, 1 - down / (to - from));
}

function burstAt(inst: CorpusInstance, t: number): CorpusInstance['bursts'][number] | undefined {
  return inst.bursts.find((b) => t >= b.from && t < b.to);
}

/** Emits the instance's logs, metric reports and probes over [start, end). */
export function simulateInstance(out: CorpusEmitter, r: Rng, inst: CorpusInstance, start: number, end: number): void {
  const { logFlushMs, metricReportMs, probeMs } = CORPUS_SPEC;
  const faulty = (t: number): boolean => t >= inst.faultFrom;

  // Log lines: each 10-s flush carries the lines of the last 10 s, stamped with their own times.
  for (let slot = start; slot < end; slot += logFlushMs) {
    const perSlot = logFlushMs / 60_000;
    const mid = slot + logFlushMs / 2;
    const burst = burstAt(inst, mid);
    const f = faulty(mid) ? inst.fault : {};
    const lines: { level: 'info' | 'warn' | 'error'; text: (r: Rng) => string; n: number }[] = [
      { level: 'info', text: (x) => x.pick(INFO_LINES)(x), n: r.poisson(inst.infoLogsPerMin * perSlot) },
      { level: 'warn', text: (x) => x.pick(WARN_LINES)(x), n: r.poisson(inst.warnLogsPerMin * perSlot) },
      { level: 'error', text: (x) => x.pick(KNOWN_ERROR_LINES)(x), n: r.poisson((inst.errorLogsPerMin + (f.extraErrorLogsPerMin ?? 0) + (burst?.errorLogsPerMin ?? 0)) * perSlot) },
    ];
    if (f.newTemplate && f.newTemplatePerMin) lines.push({ level: f.newTemplateLevel ?? 'error', text: f.newTemplate, n: r.poisson(f.newTemplatePerMin * perSlot) });
    for (const { level, text, n } of lines) {
      for (let i = 0; i < n; i++) {
        const t = slot + r.uniform(0, logFlushMs - 1);
        if (t >= end || isDown(inst, t)) continue;
        out.emit(inst, t, 'log', { level, message: text(r) });
      }
    }
  }

  // Metric reports: each covers the 15 s before it; a report only exists while the process runs.
  const metricPhase = r.uniform(0, metricReportMs);
  for (let at = start + metricPhase + metricReportMs; at < end; at += metricReportMs) {
    if (isDown(inst, at)) continue;
    const share = upShare(inst, at - metricReportMs, at);
    const f = faulty(at) ? inst.fault : {};
    const burst = burstAt(inst, at);
    const requests = r.poisson(inst.requestsPerSec * (metricReportMs / 1000) * share);
    const ratio = Math.min(1, inst.httpErrorRatio * (f.httpErrorFactor ?? 1) * (burst ? 3 : 1));
    const errors = r.binomial(requests, ratio);
    out.emit(inst, at, 'metric', { metric: 'http_requests_total', value: requests });
    out.emit(inst, at + 1, 'metric', { metric: 'http_errors_total', value: errors });
    if (requests > 0) {
      // The mean of a report is less noisy with more requests behind it.
      const sd = inst.latencyNoise * Math.max(1, Math.sqrt(30 / requests));
      const latency = inst.latencyMs * (f.latencyFactor ?? 1) * Math.exp(r.normal(0, sd));
      out.emit(inst, at + 2, 'metric', { metric: 'latency_ms', value: Math.round(latency * 10) / 10 });
    }
  }

  // Probes every 30 s while the container runs.
  const probePhase = r.uniform(0, probeMs);
  for (let at = start + probePhase + 5_000; at < end; at += probeMs) {
    if (isDown(inst, at)) continue;
    const f = faulty(at) ? inst.fault : {};
    if (r.chance(f.probeFailure ?? inst.probeFailure)) {
      out.emit(inst, at, 'health_check_failed', { message: r.pick(['GET /healthz: 503 Service Unavailable', 'GET /healthz: timeout after 1s', 'GET /readyz: 500 Internal Server Error']) });
    } else out.emit(inst, at, 'health_check_passed');
  }
}

export interface CrashPlan {
  /** First crash (event time, ms). */
  first: number;
  end: number;
  /** Seconds the container runs after each restart before it crashes again. */
  uptimeSeconds: readonly [number, number];
  /** Emits the crash itself (fatal line, OOM kill, exit) at t. */
  crash: (t: number) => void;
}

/**
 * Repeated crashes with Kubernetes' CrashLoopBackOff (10 s doubling to 5 min, reset after 10 min
 * of running). Marks the down periods on the instance and emits the restarts.
 */
export function crashLoop(out: CorpusEmitter, r: Rng, inst: CorpusInstance, plan: CrashPlan): void {
  const { first, cap } = CORPUS_SPEC.faults.restartBackoffSeconds;
  let backoff: number = first;
  let t = plan.first;
  while (t < plan.end) {
    plan.crash(t);
    const restartAt = t + backoff * 1000 + r.uniform(0, 1_000);
    inst.down.push({ from: t, to: restartAt });
    if (restartAt >= plan.end) break;
    out.emit(inst, restartAt, 'container_restart');
    const uptime = r.uniform(plan.uptimeSeconds[0], plan.uptimeSeconds[1]);
    backoff = uptime >= 600 ? first : Math.min(cap, backoff * 2);
    t = restartAt + uptime * 1000;
  }
}
