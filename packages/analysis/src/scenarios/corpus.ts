// The judge-independent scenario corpus (issue 15, item 7): a pure, seeded generator of labelled
// rollouts whose fault sizes are drawn from the ranges in corpus-spec.ts. Rollouts are generated
// lazily, one at a time, and merged in ARRIVAL order (event time plus a delivery delay below the
// allowed lateness), so a corpus of any size streams in bounded memory and the file is shuffled the
// way a real event log is.
import type { RollwatchEvent } from '@rollwatch/core';
import { CorpusEmitter, crashLoop, simulateInstance, type CorpusInstance } from './corpus-fleet.js';
import { CORPUS_BAD_KINDS, CORPUS_KINDS, CORPUS_SPEC, CRASH_EXIT_CODES, type CorpusKind, type Range } from './corpus-spec.js';
import { DEFAULT_START } from './kinds.js';
import { hostAttributes } from './fleet.js';
import { Rng } from './rng.js';

export interface CorpusOptions {
  seed: number;
  /** Number of rollouts (default 420: 30 of each of the 14 kinds). */
  count?: number;
  /** Epoch ms of the first rollout's start. */
  start?: number;
}

export interface CorpusLabel {
  rollout: string;
  kind: CorpusKind;
  service: string;
  /** `no-go` for a release fault, `go` otherwise. */
  expected: 'go' | 'no-go';
  /** A release fault: the judge must say no-go (cause release). */
  bad: boolean;
  /** Host-kernel faults: a no-go is also right when it names the environment (cause environment). */
  environmentNoGoAccepted?: boolean;
  /** Event time the fault begins (bad kinds and host faults), RFC 3339. */
  faultStart?: string;
  /** Same as faultStart for release faults (the labelled-suite field the benchmark reads). */
  badFrom?: string;
  start: string;
  end: string;
  canaries: number;
  baselines: number;
  /** The drawn sizes of this rollout (fault and healthy levels), for reports and tests. */
  params: Record<string, number | string>;
}

export interface CorpusRollout {
  label: CorpusLabel;
  /** Events in arrival order (shuffled within CORPUS_SPEC.maxArrivalDelayMs of event time). */
  events: RollwatchEvent[];
}

export const DEFAULT_CORPUS_COUNT = 420;
const MINUTE = 60_000;
const SERVICES = ['checkout', 'cart', 'search', 'orders', 'payments', 'catalog', 'profile'];
const GOOD_KERNELS = ['6.1.0-18-amd64', '6.1.0-21-amd64'];
const BAD_KERNEL = '6.1.0-13-amd64';
const NEW_ERROR_TEMPLATES: readonly ((r: Rng) => string)[] = [
  (r) => `TypeError: Cannot read properties of undefined (reading 'price') at cart.js:${r.int(10, 900)}`,
  (r) => `connection refused: postgres://db-${r.int(1, 9)}:5432 (pool exhausted)`,
  (r) => `NullPointerException at com.shop.pricing.PriceService.quote(PriceService.java:${r.int(40, 400)})`,
  (r) => `KeyError: 'currency' in handler checkout_v2 request_id=${r.int(1e6, 9e6).toString(16)}`,
];
const NEW_INFO_TEMPLATES: readonly ((r: Rng) => string)[] = [
  (r) => `feature flag new-checkout enabled for tenant ${r.int(1, 5000)}`,
  (r) => `using connection pool v2 (size=${r.int(8, 64)})`,
  (r) => `config reloaded: ${r.int(10, 90)} keys, flags=[fast-path]`,
];

const draw = (r: Rng, range: Range): number => r.uniform(range[0], range[1]);
const drawInt = (r: Rng, range: Range): number => r.int(range[0], range[1]);

/** Kind, seed and start of every rollout: cheap, so labels and streams agree without generating twice. */
export interface CorpusPlanEntry {
  index: number;
  kind: CorpusKind;
  seed: number;
  start: number;
}

export function corpusPlan(options: CorpusOptions): CorpusPlanEntry[] {
  const count = options.count ?? DEFAULT_CORPUS_COUNT;
  const rng = new Rng(options.seed);
  const plan: CorpusPlanEntry[] = [];
  let start = options.start ?? DEFAULT_START;
  for (let index = 0; index < count; index++) {
    plan.push({ index, kind: CORPUS_KINDS[index % CORPUS_KINDS.length]!, seed: Math.floor(rng.next() * 2 ** 31), start: Math.round(start) });
    start += draw(rng, CORPUS_SPEC.rolloutSpacingSeconds) * 1000;
  }
  return plan;
}

/** One labelled rollout of the corpus. Pure: (options, index) gives the same rollout every time. */
export function corpusRollout(entry: CorpusPlanEntry): CorpusRollout {
  const { label, events } = generateRollout(entry);
  return { label, events };
}

function generateRollout(entry: CorpusPlanEntry): CorpusRollout & { arrivals: number[] } {
  const { kind, start } = entry;
  const r = new Rng(entry.seed);
  const rollout = `cp${String(entry.index + 1).padStart(4, '0')}-${kind}`;
  const service = r.pick(SERVICES);
  const end = start + CORPUS_SPEC.durationMinutes * MINUTE;
  const h = CORPUS_SPEC.healthy;
  const canaries = drawInt(r, CORPUS_SPEC.canaries);
  const baselines = drawInt(r, CORPUS_SPEC.baselines);
  const lowTraffic = kind === 'good-low-traffic';
  const noisy = kind === 'good-noisy-baseline';
  const level = {
    logLinesPerMin: draw(r, h.logLinesPerMin),
    errorLogsPerMin: draw(r, h.errorLogsPerMin),
    warnLogsPerMin: draw(r, h.warnLogsPerMin),
    requestsPerSec: draw(r, lowTraffic ? CORPUS_SPEC.good.lowTrafficRequestsPerSec : h.requestsPerSec),
    httpErrorRatio: draw(r, h.httpErrorRatio),
    latencyMedianMs: draw(r, h.latencyMedianMs),
    latencyReportNoise: draw(r, h.latencyReportNoise),
    probeFailure: draw(r, h.probeFailure),
  };
  const faultStart = start + Math.round(draw(r, CORPUS_SPEC.faultStartMinutes) * MINUTE);
  const params: Record<string, number | string> = { ...level };

  const instances: CorpusInstance[] = [];
  for (let i = 0; i < canaries + baselines; i++) {
    const canary = i < canaries;
    const spreadLatency = noisy && !canary ? CORPUS_SPEC.good.noisyBaselineSpread.latency : h.instanceSpread.latency;
    const spreadErrors = noisy && !canary ? CORPUS_SPEC.good.noisyBaselineSpread.errors : h.instanceSpread.errors;
    const n = canary ? i + 1 : i - canaries + 1;
    instances.push({
      id: `${service}-${canary ? 'canary' : 'baseline'}-${n}`,
      group: canary ? 'canary' : 'baseline',
      host: `node-${entry.index + 1}-${i + 1}`,
      hostAttributes: hostAttributes(r.pick(GOOD_KERNELS)),
      version: canary ? '2.4.0' : '2.3.1',
      requestsPerSec: level.requestsPerSec * draw(r, h.instanceSpread.traffic),
      httpErrorRatio: level.httpErrorRatio * draw(r, spreadErrors),
      latencyMs: level.latencyMedianMs * draw(r, spreadLatency),
      latencyNoise: noisy && !canary ? draw(r, CORPUS_SPEC.good.noisyLatencyReportNoise) : level.latencyReportNoise,
      infoLogsPerMin: Math.max(0, level.logLinesPerMin - level.errorLogsPerMin - level.warnLogsPerMin),
      warnLogsPerMin: level.warnLogsPerMin,
      errorLogsPerMin: level.errorLogsPerMin * draw(r, spreadErrors),
      probeFailure: level.probeFailure,
      faultFrom: Infinity,
      fault: {},
      bursts: [],
      down: [],
    });
  }
  const canaryInstances = instances.slice(0, canaries);
  const baselineInstances = instances.slice(canaries);
  const out = new CorpusEmitter(rollout, service);
  const onCanaries = (fault: CorpusInstance['fault']): void => {
    for (const c of canaryInstances) {
      c.faultFrom = faultStart;
      c.fault = fault;
    }
  };
  const pickSome = <T>(items: T[], n: number): T[] => {
    const pool = [...items];
    const chosen: T[] = [];
    while (chosen.length < n && pool.length > 0) chosen.push(pool.splice(r.int(0, pool.length - 1), 1)[0]!);
    return chosen;
  };
  const crashPlans: (() => void)[] = [];
  let firstSymptom = faultStart;

  switch (kind) {
    case 'error-log-rate':
      params.extraErrorLogsPerMin = draw(r, CORPUS_SPEC.faults.errorLogRateIncreasePerMin);
      onCanaries({ extraErrorLogsPerMin: params.extraErrorLogsPerMin });
      break;
    case 'http-error-ratio':
      params.httpErrorFactor = draw(r, CORPUS_SPEC.faults.httpErrorRatioFactor);
      onCanaries({ httpErrorFactor: params.httpErrorFactor });
      break;
    case 'latency':
      params.latencyIncrease = draw(r, CORPUS_SPEC.faults.latencyIncrease);
      onCanaries({ latencyFactor: 1 + params.latencyIncrease });
      break;
    case 'failed-probes':
      params.failedProbeFraction = draw(r, CORPUS_SPEC.faults.failedProbeFraction);
      onCanaries({ probeFailure: params.failedProbeFraction });
      break;
    case 'new-error-template': {
      params.newTemplatePerMin = draw(r, CORPUS_SPEC.faults.newErrorTemplatePerMin);
      const template = r.pick(NEW_ERROR_TEMPLATES);
      params.newTemplate = template(new Rng(0));
      onCanaries({ newTemplatePerMin: params.newTemplatePerMin, newTemplate: template, newTemplateLevel: 'error' });
      break;
    }
    case 'crash-loop':
    case 'oom-kill': {
      // A release that crashes does so on every canary, each on its own schedule.
      const oom = kind === 'oom-kill';
      params.affectedCanaries = canaries;
      firstSymptom = Infinity;
      for (const c of canaryInstances) {
        const first = faultStart + Math.round(oom ? r.uniform(0, 60_000) : r.uniform(0, 15_000));
        firstSymptom = Math.min(firstSymptom, first);
        const exitCode = r.pick(CRASH_EXIT_CODES);
        crashPlans.push(() =>
          crashLoop(out, r, c, {
            first,
            end,
            uptimeSeconds: oom ? CORPUS_SPEC.faults.oomUptimeSeconds : CORPUS_SPEC.faults.crashUptimeSeconds,
            crash: (t) => {
              if (oom) {
                out.emit(c, t, 'oom_killed', { exitCode: 137 });
                out.emit(c, t + 1, 'container_exit', { exitCode: 137 });
              } else {
                out.emit(c, t, 'log', { level: 'fatal', message: `panic: missing required config key PAYMENTS_URL (exit ${exitCode})` });
                out.emit(c, t + 5, 'container_exit', { exitCode });
              }
            },
          }),
        );
      }
      break;
    }
    case 'host-kernel-fault': {
      // Hosts on one kernel crash whatever they run: canary and baseline alike.
      const share = draw(r, CORPUS_SPEC.good.badKernelHostShare);
      const hit = [...pickSome(canaryInstances, 1), ...pickSome(baselineInstances, 1)];
      for (const inst of instances) if (!hit.includes(inst) && r.chance(share)) hit.push(inst);
      params.badKernel = BAD_KERNEL;
      params.affectedCanaries = hit.filter((i) => i.group === 'canary').length;
      params.affectedBaselines = hit.filter((i) => i.group === 'baseline').length;
      firstSymptom = Infinity;
      for (const inst of hit) {
        inst.hostAttributes = { ...inst.hostAttributes, kernel: BAD_KERNEL };
        const first = faultStart + Math.round(r.uniform(0, 90_000));
        firstSymptom = Math.min(firstSymptom, first);
        crashPlans.push(() =>
          crashLoop(out, r, inst, {
            first,
            end,
            uptimeSeconds: CORPUS_SPEC.good.kernelCrashEverySeconds,
            crash: (t) => {
              out.emit(inst, t, 'log', { level: 'fatal', message: 'runtime: unexpected signal during runtime execution [signal SIGSEGV: segmentation violation] (futex)' });
              out.emit(inst, t + 5, 'container_exit', { exitCode: 139 });
            },
          }),
        );
      }
      break;
    }
    case 'good-noisy-baseline':
      for (const b of baselineInstances) {
        for (let t = start; t < end; t += MINUTE) {
          if (!r.chance(CORPUS_SPEC.good.burstsPerInstanceMinute)) continue;
          b.bursts.push({ from: t, to: t + r.int(1, 2) * MINUTE, errorLogsPerMin: draw(r, CORPUS_SPEC.good.burstErrorLogsPerMin) });
        }
      }
      params.bursts = baselineInstances.reduce((n, b) => n + b.bursts.length, 0);
      break;
    case 'good-slow-baseline-instance': {
      const slow = r.pick(baselineInstances);
      params.slowBaselineLatencyFactor = draw(r, CORPUS_SPEC.good.slowBaselineLatencyFactor);
      slow.latencyMs *= params.slowBaselineLatencyFactor;
      break;
    }
    case 'good-new-info-template': {
      params.newTemplatePerMin = draw(r, CORPUS_SPEC.good.newInfoTemplatePerMin);
      const template = r.pick(NEW_INFO_TEMPLATES);
      params.newTemplate = template(new Rng(0));
      for (const c of canaryInstances) c.fault = { newTemplatePerMin: params.newTemplatePerMin, newTemplate: template, newTemplateLevel: 'info' };
      for (const c of canaryInstances) c.faultFrom = start;
      break;
    }
    case 'good-baseline-restarts': {
      const restarting = pickSome(baselineInstances, drawInt(r, CORPUS_SPEC.good.baselineRestarts));
      for (const b of restarting) {
        const t = start + r.uniform(1, CORPUS_SPEC.durationMinutes - 2) * MINUTE;
        const back = t + r.uniform(5_000, 30_000);
        out.emit(b, t, 'container_exit', { exitCode: r.pick([0, 143]) });
        out.emit(b, back, 'container_restart');
        b.down.push({ from: t, to: back });
      }
      params.restartingBaselines = restarting.length;
      break;
    }
    case 'good':
    case 'good-low-traffic':
      break;
    default: {
      const unreachable: never = kind;
      throw new Error(`unknown corpus kind ${String(unreachable)}`);
    }
  }

  for (const inst of instances) out.emit(inst, start + r.uniform(0, 5_000), 'container_start', { host: inst.host, hostAttributes: inst.hostAttributes });
  for (const plan of crashPlans) plan();
  for (const inst of instances) simulateInstance(out, r, inst, start + 5_000, end);

  const bad = (CORPUS_BAD_KINDS as readonly string[]).includes(kind);
  const label: CorpusLabel = {
    rollout,
    kind,
    service,
    expected: bad ? 'no-go' : 'go',
    bad,
    start: new Date(start).toISOString(),
    end: new Date(end).toISOString(),
    canaries,
    baselines,
    params: roundParams(params),
  };
  if (bad || kind === 'host-kernel-fault') label.faultStart = new Date(firstSymptom).toISOString();
  if (bad) label.badFrom = label.faultStart!;
  if (kind === 'host-kernel-fault') label.environmentNoGoAccepted = true;
  return { label, ...shuffleByArrival(out.events, r) };
}

/** Orders events by arrival: event time plus a delivery delay below the allowed lateness. */
function shuffleByArrival(events: RollwatchEvent[], r: Rng): { events: RollwatchEvent[]; arrivals: number[] } {
  const keyed = events.map((e) => ({ e, arrival: Date.parse(e.time) + r.uniform(0, CORPUS_SPEC.maxArrivalDelayMs) }));
  keyed.sort((a, b) => a.arrival - b.arrival);
  return { events: keyed.map((k) => k.e), arrivals: keyed.map((k) => k.arrival) };
}

function roundParams(p: Record<string, number | string>): Record<string, number | string> {
  const out: Record<string, number | string> = {};
  for (const [k, v] of Object.entries(p)) out[k] = typeof v === 'number' ? Math.round(v * 10_000) / 10_000 : v;
  return out;
}

/** Every rollout of the corpus, one at a time (bounded memory). */
export function* corpusRollouts(options: CorpusOptions): Generator<CorpusRollout> {
  for (const entry of corpusPlan(options)) yield corpusRollout(entry);
}

/** The labels alone (generates each rollout once and drops its events). */
export function corpusLabels(options: CorpusOptions): CorpusLabel[] {
  return [...corpusRollouts(options)].map((r) => r.label);
}

/**
 * All events of the corpus in arrival order, as one recorded stream would hold them: rollouts
 * overlap in time and each event is at most CORPUS_SPEC.maxArrivalDelayMs behind the newest event
 * before it. Memory holds only the rollouts that overlap the current arrival time.
 */
export function* corpusEvents(options: CorpusOptions, onLabel?: (label: CorpusLabel) => void): Generator<RollwatchEvent> {
  const plan = corpusPlan(options);
  let next = 0;
  // Open rollouts: their remaining events (arrival order) and a cursor. Few at a time, so a linear
  // scan for the earliest head is cheaper than a heap.
  const open: { events: RollwatchEvent[]; arrival: number[]; at: number }[] = [];
  for (;;) {
    let best = -1;
    for (let i = 0; i < open.length; i++) if (best === -1 || open[i]!.arrival[open[i]!.at]! < open[best]!.arrival[open[best]!.at]!) best = i;
    const head = best === -1 ? Infinity : open[best]!.arrival[open[best]!.at]!;
    // A rollout's events arrive no earlier than its start: open it before anything later is emitted.
    if (next < plan.length && plan[next]!.start <= head) {
      const { label, events, arrivals } = generateRollout(plan[next++]!);
      onLabel?.(label);
      if (events.length > 0) open.push({ events, arrival: arrivals, at: 0 });
      continue;
    }
    if (best === -1) return;
    const o = open[best]!;
    yield o.events[o.at++]!;
    if (o.at === o.events.length) open.splice(best, 1);
  }
}

/** The corpus as NDJSON lines (no trailing newline on each), in arrival order. */
export function* corpusNdjson(options: CorpusOptions, onLabel?: (label: CorpusLabel) => void): Generator<string> {
  for (const e of corpusEvents(options, onLabel)) yield JSON.stringify(e);
}
