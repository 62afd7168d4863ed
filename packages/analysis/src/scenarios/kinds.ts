// The labelled scenario kinds. Good ones must come out `go` (`good-low-traffic`: `pending`, there is
// too little traffic to judge); bad ones `no-go`, with the expected cause. `badFrom` is when the bad behaviour starts
// (for time-to-detect in the benchmark).
import type { Decision, RollwatchEvent } from '@rollwatch/core';
import { Fleet, MINUTE, type FleetOptions, type SimInstance } from './fleet.js';

export const SCENARIO_KINDS = [
  'good',
  'good-diurnal',
  'good-low-traffic',
  'good-stable-reference',
  'good-batch',
  'oom-burst',
  'crash-loop',
  'error-rate-x2',
  'latency-shift',
  'health-flapping',
  'new-error-template',
  'kernel-failure',
  'mixed-version-batch',
] as const;
export type ScenarioKind = (typeof SCENARIO_KINDS)[number];

export interface ScenarioLabel {
  rollout: string;
  kind: ScenarioKind;
  expected: Decision;
  cause?: 'release' | 'environment';
  attribute?: { name: string; value: string };
  /** Event time at which the bad behaviour starts (bad scenarios only). */
  badFrom?: string;
}

export interface Scenario {
  label: ScenarioLabel;
  events: RollwatchEvent[];
}

export interface ScenarioOptions {
  seed: number;
  rollout?: string;
  /** Epoch ms of the first event. */
  start?: number;
  durationMinutes?: number;
}

export const DEFAULT_START = Date.UTC(2025, 0, 6, 10, 0, 0);
const KERNELS = ['5.15.0-91-generic', '5.15.0-97-generic'];

export function generateScenario(kind: ScenarioKind, opts: ScenarioOptions): Scenario {
  const rollout = opts.rollout ?? `${kind}-${opts.seed}`;
  const start = opts.start ?? DEFAULT_START;
  const minutes = opts.durationMinutes ?? (kind.endsWith('batch') ? 22 : 15);
  const base: FleetOptions = {
    rollout,
    service: `svc-${kind.startsWith('good') ? 'web' : 'api'}`,
    seed: opts.seed,
    start,
    durationMs: minutes * MINUTE,
    canary: 3,
    baseline: 6,
    rps: 10,
    errorRate: 0.01,
    latencyMedianMs: 120,
    diurnal: 0,
    canaryVersion: '1.8.0',
    baselineVersion: '1.7.3',
    kernels: KERNELS,
  };
  const badFrom = start + 3 * MINUTE;
  const label: ScenarioLabel = { rollout, kind, expected: 'go' };
  const bad = (cause: 'release' | 'environment' = 'release'): void => {
    label.expected = 'no-go';
    label.cause = cause;
    label.badFrom = new Date(badFrom).toISOString();
  };
  let fleet: Fleet;
  const canary = (f: Fleet): SimInstance[] => f.instances.filter((i) => i.group === 'canary');
  const reference = (f: Fleet): SimInstance[] => f.instances.filter((i) => i.group !== 'canary');

  switch (kind) {
    case 'good':
    case 'good-diurnal':
    case 'good-stable-reference': {
      fleet = new Fleet({ ...base, diurnal: kind === 'good-diurnal' ? 0.5 : 0, ...(kind === 'good-stable-reference' ? { referenceGroup: 'stable' } : {}) });
      fleet.run();
      // Real baselines restart now and then (node drains, liveness blips).
      for (const inst of reference(fleet)) {
        if (fleet.rng.chance(0.25)) {
          const t = start + fleet.rng.uniform(1, minutes - 1) * MINUTE;
          fleet.emit(inst, t, 'container_restart');
        }
      }
      break;
    }
    case 'good-low-traffic': {
      // Too little traffic to judge error rates: the right answer is "pending", never a pass.
      fleet = new Fleet({ ...base, rps: 0.05 });
      fleet.run();
      label.expected = 'pending';
      break;
    }
    case 'oom-burst': {
      fleet = new Fleet(base);
      fleet.run();
      bad();
      for (const inst of canary(fleet)) {
        for (let t = badFrom + fleet.rng.uniform(5_000, 60_000); t < start + base.durationMs; t += fleet.rng.uniform(90_000, 150_000)) {
          fleet.emit(inst, t, 'oom_killed', { exitCode: 137 });
          fleet.emit(inst, t + 1, 'container_exit', { exitCode: 137 });
          fleet.emit(inst, t + 2_000, 'container_restart');
        }
      }
      break;
    }
    case 'crash-loop': {
      fleet = new Fleet(base);
      const victim = canary(fleet)[0]!;
      fleet.run((t) => {
        if (t >= badFrom) victim.silent = true;
      });
      bad();
      for (let t = badFrom + 1_000; t < start + base.durationMs; t += fleet.rng.uniform(15_000, 30_000)) {
        fleet.emit(victim, t, 'log', { level: 'fatal', message: 'panic: missing required config key PAYMENTS_URL' });
        fleet.emit(victim, t + 10, 'container_exit', { exitCode: 2 });
        fleet.emit(victim, t + 1_000, 'container_restart');
      }
      break;
    }
    case 'error-rate-x2': {
      fleet = new Fleet(base);
      fleet.run((t) => {
        if (t >= badFrom) for (const i of canary(fleet)) i.errorFactor = 2;
      });
      bad();
      break;
    }
    case 'latency-shift': {
      fleet = new Fleet(base);
      fleet.run((t) => {
        if (t >= badFrom) for (const i of canary(fleet)) i.latencyFactor = 1.35;
      });
      bad();
      break;
    }
    case 'health-flapping': {
      fleet = new Fleet(base);
      fleet.run();
      bad();
      for (const inst of canary(fleet)) {
        for (let t = badFrom + fleet.rng.uniform(0, 20_000); t < start + base.durationMs; t += fleet.rng.uniform(25_000, 40_000)) {
          fleet.emit(inst, t, 'health_check_failed', { message: 'GET /healthz: 503' });
          fleet.emit(inst, t + fleet.rng.uniform(8_000, 15_000), 'health_check_passed');
        }
      }
      break;
    }
    case 'new-error-template': {
      fleet = new Fleet(base);
      fleet.run((t) => {
        if (t < badFrom) return;
        for (const inst of canary(fleet)) {
          const n = fleet.rng.poisson(3);
          for (let i = 0; i < n; i++) {
            const at = t + fleet.rng.uniform(0, 59_000);
            fleet.emit(inst, at, 'log', { level: 'error', message: `NullPointerException in PriceCalculator.apply order=${fleet.rng.int(10000, 99999)} currency=EUR` });
          }
        }
      });
      bad();
      break;
    }
    case 'kernel-failure': {
      // 3 of 9 hosts run the bad kernel: one canary and two baseline instances.
      fleet = new Fleet({ ...base, kernels: ['4.4.0-103-generic'] });
      const onBadKernel = [fleet.instances[0]!, fleet.instances[3]!, fleet.instances[4]!];
      for (const inst of onBadKernel) inst.hostAttributes = { ...inst.hostAttributes, kernel: '4.4.0-98-generic' };
      fleet.run();
      bad('environment');
      label.attribute = { name: 'kernel', value: '4.4.0-98-generic' };
      for (const inst of onBadKernel) {
        for (let t = badFrom + fleet.rng.uniform(0, 90_000); t < start + base.durationMs; t += fleet.rng.uniform(30_000, 60_000)) {
          fleet.emit(inst, t, 'log', { level: 'fatal', message: 'runtime: unexpected signal SIGSEGV in cgo call (kernel futex)' });
          fleet.emit(inst, t + 5, 'container_exit', { exitCode: 139 });
          fleet.emit(inst, t + 1_500, 'container_restart');
        }
      }
      break;
    }
    case 'good-batch':
    case 'mixed-version-batch': {
      fleet = new Fleet({ ...base, canary: 0, baseline: 9, referenceGroup: 'other', labels: { policy: 'batch-upgrade' } });
      const all = fleet.instances;
      for (const i of all) i.version = '2.3.0';
      const batchStart = (b: number): number => start + (3 + (b - 1) * 4) * MINUTE;
      const stuck = kind === 'mixed-version-batch' ? all[8]! : undefined;
      fleet.run((t) => {
        for (let b = 1; b <= 3; b++) {
          if (t !== batchStart(b)) continue;
          for (const inst of all.slice((b - 1) * 3, b * 3)) {
            inst.batch = b;
            const at = t + fleet.rng.uniform(1_000, 20_000);
            if (inst === stuck) {
              // The upgrade never happened: the instance keeps reporting the old version.
              fleet.emit(inst, at, 'health_check_passed');
              continue;
            }
            fleet.emit(inst, at, 'container_exit', { exitCode: 0 });
            inst.version = '2.4.0';
            fleet.start(inst, at + 3_000);
            fleet.emit(inst, at + 8_000, 'health_check_passed');
          }
        }
      });
      if (stuck) {
        bad();
        label.badFrom = new Date(batchStart(3)).toISOString();
      }
      break;
    }
    default: {
      const unreachable: never = kind;
      throw new Error(`unknown scenario kind ${String(unreachable)}`);
    }
  }
  fleet.events.sort((a, b) => Date.parse(a.time) - Date.parse(b.time) || (a.id < b.id ? -1 : 1));
  return { label, events: fleet.events };
}
