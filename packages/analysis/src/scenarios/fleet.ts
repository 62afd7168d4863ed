// A simulated fleet: instances with hosts and host attributes, emitting the events of a healthy
// service (per-minute metric increments, latency, CPU, a few warn/error logs, health checks).
// Behaviour modifiers let scenarios make part of the fleet misbehave.
import type { EventGroup, RollwatchEvent } from '@rollwatch/core';
import { Rng } from './rng.js';

export interface SimInstance {
  id: string;
  group: EventGroup;
  host: string;
  hostAttributes: Record<string, string>;
  version: string;
  /** Multipliers a scenario may change over time. */
  errorFactor: number;
  latencyFactor: number;
  cpuOffset: number;
  /** Per-instance level differences (real fleets are not identical). */
  trafficShare: number;
  baseLatency: number;
  baseCpu: number;
  batch?: number;
  silent: boolean;
}

export interface FleetOptions {
  rollout: string;
  service: string;
  seed: number;
  start: number;
  durationMs: number;
  canary: number;
  baseline: number;
  /** Group name of the reference instances ("baseline" or "stable"). */
  referenceGroup?: EventGroup;
  /** Requests per second per instance. */
  rps: number;
  errorRate: number;
  latencyMedianMs: number;
  /** Diurnal swing of traffic over the scenario (0 = flat). */
  diurnal: number;
  canaryVersion: string;
  baselineVersion: string;
  kernels: readonly string[];
  /** Extra labels on every event (e.g. policy: batch-upgrade). */
  labels?: Record<string, string>;
}

export const MINUTE = 60_000;

const WARN_LINES = [
  (r: Rng) => `slow query took ${r.int(500, 2000)}ms table=orders`,
  (r: Rng) => `retrying upstream call to inventory attempt=${r.int(1, 3)}`,
  (r: Rng) => `cache miss ratio high: ${r.int(30, 60)}%`,
];
const ERROR_LINES = [
  (r: Rng) => `request failed: upstream timeout after ${r.int(1000, 5000)}ms path=/api/orders/${r.int(1000, 9999)}`,
  (r: Rng) => `database connection reset by peer conn=${r.int(1, 40)}`,
];

export class Fleet {
  readonly rng: Rng;
  readonly instances: SimInstance[] = [];
  readonly events: RollwatchEvent[] = [];
  private seq = 0;

  constructor(readonly o: FleetOptions) {
    this.rng = new Rng(o.seed);
    const ref = o.referenceGroup ?? 'baseline';
    const make = (group: EventGroup, i: number, n: number): SimInstance => ({
      id: `${group === 'canary' ? 'c' : 'b'}${i + 1}`,
      group,
      host: `${group === 'canary' ? 'c' : 'b'}node-${i + 1}`,
      hostAttributes: hostAttributes(o.kernels[i % o.kernels.length]!),
      version: group === 'canary' ? o.canaryVersion : o.baselineVersion,
      errorFactor: 1,
      latencyFactor: 1,
      cpuOffset: 0,
      trafficShare: this.rng.uniform(0.85, 1.15),
      baseLatency: o.latencyMedianMs * this.rng.uniform(0.93, 1.07),
      baseCpu: this.rng.uniform(0.3, 0.42),
      silent: false,
      ...(n > 0 ? {} : {}),
    });
    for (let i = 0; i < o.canary; i++) this.instances.push(make('canary', i, o.canary));
    for (let i = 0; i < o.baseline; i++) this.instances.push(make(ref, i, o.baseline));
  }

  emit(inst: SimInstance, t: number, type: RollwatchEvent['type'], extra: Partial<RollwatchEvent> = {}): void {
    // Service and version ride on lifecycle events only (the engine remembers them per instance),
    // which keeps metric and log lines, and the committed fixtures, small.
    const lifecycle = type !== 'metric' && type !== 'log';
    const event = {
      id: `${this.o.rollout}-${(this.seq++).toString(36)}`,
      time: new Date(Math.round(t)).toISOString(),
      rollout: this.o.rollout,
      group: inst.group,
      type,
      instance: inst.id,
      ...(lifecycle ? { service: this.o.service, version: inst.version } : {}),
      ...extra,
    } as RollwatchEvent;
    const labels = { ...(this.o.labels ?? {}), ...(inst.batch !== undefined ? { batch: String(inst.batch) } : {}), ...(extra.labels ?? {}) };
    if (Object.keys(labels).length > 0) event.labels = labels;
    this.events.push(event);
  }

  /** container_start with host and host attributes (other events omit them to stay small). */
  start(inst: SimInstance, t: number): void {
    this.emit(inst, t, 'container_start', { host: inst.host, hostAttributes: inst.hostAttributes });
  }

  /** One minute of healthy-service telemetry from `inst`, for the minute starting at t. */
  minute(inst: SimInstance, t: number): void {
    if (inst.silent) return;
    const r = this.rng;
    const o = this.o;
    const progress = (t - o.start) / Math.max(1, o.durationMs);
    const traffic = 1 + o.diurnal * Math.sin(2 * Math.PI * progress);
    const requests = r.poisson(o.rps * 60 * inst.trafficShare * traffic);
    const errors = r.binomial(requests, Math.min(1, o.errorRate * inst.errorFactor));
    const at = t + r.uniform(50_000, 59_000);
    this.emit(inst, at, 'metric', { metric: 'http_requests_total', value: requests });
    this.emit(inst, at + 1, 'metric', { metric: 'http_errors_total', value: errors });
    if (requests > 0) {
      // Mean latency of the minute: lognormal requests averaged, so modest noise; load adds a little.
      const latency = inst.baseLatency * inst.latencyFactor * Math.exp(r.normal(0, 0.06)) * (1 + 0.1 * (traffic - 1));
      this.emit(inst, at + 2, 'metric', { metric: 'latency_ms', value: round(latency, 1) });
    }
    const cpu = Math.min(1, Math.max(0.01, inst.baseCpu * traffic + inst.cpuOffset + r.normal(0, 0.03)));
    this.emit(inst, at + 3, 'metric', { metric: 'cpu_ratio', value: round(cpu, 3) });
    const warnings = r.poisson(0.4 * traffic);
    for (let i = 0; i < warnings; i++) this.emit(inst, t + r.uniform(0, 59_000), 'log', { level: 'warn', message: r.pick(WARN_LINES)(r) });
    const errorLogs = r.poisson((0.3 + errors * 0.05) * inst.errorFactor);
    for (let i = 0; i < errorLogs; i++) this.emit(inst, t + r.uniform(0, 59_000), 'log', { level: 'error', message: r.pick(ERROR_LINES)(r) });
  }

  /** Runs every instance minute by minute; `each(t)` may change behaviour before a minute. */
  run(each?: (t: number) => void): void {
    for (const inst of this.instances) this.start(inst, this.o.start + this.rng.uniform(0, 5_000));
    for (let t = this.o.start; t < this.o.start + this.o.durationMs; t += MINUTE) {
      each?.(t);
      for (const inst of this.instances) this.minute(inst, t);
    }
  }
}

export function hostAttributes(kernel: string): Record<string, string> {
  const old = kernel.startsWith('4.');
  return {
    kernel,
    os: old ? 'ubuntu-16.04' : 'ubuntu-22.04',
    engineVersion: '24.0.7',
    containerdVersion: '1.6.24',
    runcVersion: '1.1.12',
    storageDriver: 'overlay2',
    cgroupVersion: old ? '1' : '2',
  };
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
