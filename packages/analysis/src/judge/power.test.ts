// Power and false alarms at the fault sizes, through the whole engine (replayed, evaluated
// at every window): 1 canary vs 3 baselines, 10-s log lines, 15-s metric reports, 30-s probes.
// Seeded; each case runs a handful of rollouts and checks the median time to no-go (bad) or that
// none ends in no-go (good).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseEvent, type RollwatchEvent, type RollwatchEventInput } from '@rollwatch/core';
import { analyzeEventsSync } from '../replay.js';
import { Rng } from '../scenarios/rng.js';

const T0 = Date.UTC(2026, 0, 5, 12, 0, 0);
const MIN = 60_000;

interface FleetSpec {
  canaries?: number;
  baselines?: number;
  minutes?: number;
  /** Error lines per minute per instance (canary / baseline). */
  errorLines?: [number, number];
  /** A new error template per minute per canary instance. */
  newTemplate?: number;
  /** Failed probe fraction (canary / baseline). */
  probeFailures?: [number, number];
  /** Latency factor of the canary; per-baseline factors (a slow one). */
  latency?: number;
  baselineLatency?: number[];
  /** Log-normal noise of one latency report. */
  latencyNoise?: number;
  /** HTTP error ratio (canary / baseline) and requests per second per instance. */
  httpErrors?: [number, number];
  rps?: number;
  /** New info-level template in the canary (feature flag message) per minute. */
  infoTemplate?: number;
}

function rollout(spec: FleetSpec, seed: number): RollwatchEvent[] {
  const rng = new Rng(seed);
  const rolloutId = `r${seed}`;
  const events: RollwatchEvent[] = [];
  let id = 0;
  const push = (t: number, e: Partial<RollwatchEventInput> & { instance: string; type: RollwatchEventInput['type'] }): void => {
    const input = { id: `${rolloutId}-${id++}`, time: new Date(T0 + Math.round(t)).toISOString(), rollout: rolloutId, group: e.instance.startsWith('c') ? 'canary' : 'baseline', service: 'shop', ...e } as RollwatchEventInput;
    const r = parseEvent(input);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    events.push(r.event);
  };
  const ids = [...Array.from({ length: spec.canaries ?? 1 }, (_, i) => `c${i + 1}`), ...Array.from({ length: spec.baselines ?? 3 }, (_, i) => `b${i + 1}`)];
  const minutes = spec.minutes ?? 15;
  ids.forEach((instance, k) => {
    const canary = instance.startsWith('c');
    const level = canary ? (spec.latency ?? 1) : (spec.baselineLatency?.[k - (spec.canaries ?? 1)] ?? 1);
    const offset = Math.exp(rng.normal(0, 0.03));
    push(rng.uniform(0, 2000), { instance, type: 'container_start', host: `node-${instance}` });
    for (let t = 0; t < minutes * MIN; t += 10_000) {
      push(t + rng.uniform(0, 9000), { instance, type: 'log', level: 'info', message: `GET /api/cart/${rng.int(1, 9999)} 200` });
    }
    const [ce, be] = spec.errorLines ?? [0.1, 0.1];
    for (let t = rng.uniform(0, MIN / (canary ? ce : be)); t < minutes * MIN; t += (-Math.log(1 - rng.next()) * MIN) / (canary ? ce : be)) {
      push(t, { instance, type: 'log', level: 'error', message: `upstream timeout after ${rng.int(1000, 5000)}ms path=/api/orders/${rng.int(1000, 9999)}` });
    }
    if (canary && spec.newTemplate) {
      for (let t = rng.uniform(0, MIN / spec.newTemplate); t < minutes * MIN; t += (-Math.log(1 - rng.next()) * MIN) / spec.newTemplate) {
        push(t, { instance, type: 'log', level: 'error', message: `TypeError: Cannot read properties of undefined (reading 'price') at cart.js:${rng.int(10, 400)}` });
      }
    }
    if (canary && spec.infoTemplate) {
      for (let t = rng.uniform(0, MIN / spec.infoTemplate); t < minutes * MIN; t += (-Math.log(1 - rng.next()) * MIN) / spec.infoTemplate) {
        push(t, { instance, type: 'log', level: 'info', message: `feature flag checkout-v2 enabled for user ${rng.int(1, 99999)}` });
      }
    }
    if (spec.probeFailures) {
      const fail = canary ? spec.probeFailures[0] : spec.probeFailures[1];
      for (let t = rng.uniform(0, 30_000); t < minutes * MIN; t += 30_000) {
        push(t, rng.chance(fail) ? { instance, type: 'health_check_failed', message: 'GET /healthz: 503' } : { instance, type: 'health_check_passed' });
      }
    }
    for (let t = rng.uniform(0, 15_000); t < minutes * MIN; t += 15_000) {
      const latency = 120 * level * offset * Math.exp(rng.normal(0, spec.latencyNoise ?? 0.1));
      push(t, { instance, type: 'metric', metric: 'latency_ms', value: Math.round(latency * 10) / 10 });
      if (spec.httpErrors) {
        const requests = rng.poisson((spec.rps ?? 10) * 15);
        const errors = rng.binomial(requests, canary ? spec.httpErrors[0] : spec.httpErrors[1]);
        push(t + 1, { instance, type: 'metric', metric: 'http_requests_total', value: requests });
        push(t + 2, { instance, type: 'metric', metric: 'http_errors_total', value: errors });
      }
    }
  });
  return events;
}

/** Seconds to no-go of each of `runs` rollouts (Infinity when never), and their final decisions. */
function judge(spec: FleetSpec, runs: number, seed: number): { seconds: number[]; decisions: string[]; reasons: string[] } {
  const seconds: number[] = [];
  const decisions: string[] = [];
  const reasons: string[] = [];
  for (let i = 0; i < runs; i++) {
    const [r] = analyzeEventsSync(rollout(spec, seed + i));
    decisions.push(r!.decision);
    seconds.push(r!.noGoAt === null ? Infinity : (Date.parse(r!.noGoAt) - T0) / 1000);
    reasons.push(r!.reasons.filter((x) => x.severity === 'fail' || x.severity === 'critical').map((x) => x.signal).join(','));
  }
  return { seconds, decisions, reasons };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// Measured medians (not tuned: the constants come from the alpha budget and the margins). At 1 canary
// a 10x error-log rate is ~8 extra lines in 8 minutes: at alpha = 0.01 / 9 signals even a
// fixed-sample exact test barely rejects then, so 1 canary needs ~12 minutes.
test('error-log rate 0.1 -> 1.0 lines/min: no-go within 13 min at 1 canary vs 3 baselines, 7 min at 3 vs 6', () => {
  const one = judge({ errorLines: [1.0, 0.1] }, 5, 100);
  assert.ok(median(one.seconds) <= 13 * 60, `seconds to no-go ${one.seconds.join(', ')} (${one.reasons.join(' | ')})`);
  const r = judge({ errorLines: [1.0, 0.1], canaries: 3, baselines: 6 }, 5, 150);
  assert.ok(median(r.seconds) <= 7 * 60, `seconds to no-go ${r.seconds.join(', ')} (${r.reasons.join(' | ')})`);
  assert.ok(r.reasons.every((x) => x.includes('error_log_rate')), r.reasons.join(' | '));
});

test('a new error template at ~1/min on 1 canary (vs 3 baselines) is no-go after ~6 lines, with the template and an example', () => {
  const r = judge({ newTemplate: 1 }, 5, 200);
  assert.ok(median(r.seconds) <= 7 * 60, `seconds to no-go ${r.seconds.join(', ')} (${r.reasons.join(' | ')})`);
  const [one] = analyzeEventsSync(rollout({ newTemplate: 1 }, 200));
  const reason = one!.reasons.find((x) => x.signal === 'log_templates')!;
  assert.equal(reason.severity, 'fail');
  assert.match(reason.template!, /^TypeError: Cannot read properties of undefined \(reading 'price'\) at/);
  assert.match(reason.example!, /cart\.js:\d+$/);
});

test('failed probes 50% vs 1% is no-go within 6 minutes at 2 canaries vs 3 baselines', () => {
  const r = judge({ probeFailures: [0.5, 0.01], canaries: 2 }, 5, 300);
  assert.ok(median(r.seconds) <= 6 * 60, `seconds to no-go ${r.seconds.join(', ')} (${r.reasons.join(' | ')})`);
});

test('latency +35% with 15-s reports is no-go within 6 minutes at 1 canary vs 3 baselines', () => {
  const r = judge({ latency: 1.35 }, 5, 400);
  assert.ok(median(r.seconds) <= 6 * 60, `seconds to no-go ${r.seconds.join(', ')} (${r.reasons.join(' | ')})`);
  assert.ok(r.reasons.every((x) => x.includes('latency')), r.reasons.join(' | '));
});

test('HTTP error ratio 0.4% -> 2% is no-go within 4 minutes at 1 canary vs 3 baselines (10 rps each)', () => {
  const r = judge({ httpErrors: [0.02, 0.004] }, 5, 500);
  assert.ok(median(r.seconds) <= 4 * 60, `seconds to no-go ${r.seconds.join(', ')} (${r.reasons.join(' | ')})`);
});

test('good rollouts: noisy baselines, one slow baseline, benign info templates, low traffic: no no-go', () => {
  const cases: FleetSpec[] = [
    { latencyNoise: 0.4, errorLines: [0.3, 0.3] },
    { baselineLatency: [1, 1.6, 1], httpErrors: [0.01, 0.01] },
    { infoTemplate: 2, probeFailures: [0.01, 0.01] },
    { httpErrors: [0.01, 0.01], rps: 0.05, errorLines: [0.05, 0.05] },
    { canaries: 3, baselines: 6, errorLines: [0.2, 0.2], httpErrors: [0.005, 0.005], probeFailures: [0.02, 0.02] },
  ];
  cases.forEach((spec, k) => {
    const r = judge({ ...spec, minutes: 30 }, 8, 1000 + 100 * k);
    assert.ok(r.decisions.every((d) => d !== 'no-go'), `${JSON.stringify(spec)}: ${r.decisions.join(', ')} (${r.reasons.join(' | ')})`);
  });
});
