// The corpus generator: deterministic, the size and mix the issue asks for, valid events in arrival
// order within the lateness, and the fault sizes it claims are the ones in the events.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { parseEvent, type RollwatchEvent } from '@rollwatch/core';
import { corpusEvents, corpusPlan, corpusRollout, corpusRollouts, DEFAULT_CORPUS_COUNT, type CorpusRollout } from './corpus.js';
import { CORPUS_KINDS, CORPUS_SPEC } from './corpus-spec.js';

const MINUTE = 60_000;
const sample: CorpusRollout[] = [...corpusRollouts({ seed: 7, count: CORPUS_KINDS.length * 4 })];
const ofKind = (kind: string): CorpusRollout[] => sample.filter((r) => r.label.kind === kind);

function hashOf(events: Iterable<RollwatchEvent>, limit: number): string {
  const h = createHash('sha256');
  let n = 0;
  for (const e of events) {
    h.update(JSON.stringify(e));
    if (++n >= limit) break;
  }
  return h.digest('hex');
}

test('same seed, same corpus; another seed, another corpus', () => {
  assert.equal(hashOf(corpusEvents({ seed: 3, count: 20 }), 20_000), hashOf(corpusEvents({ seed: 3, count: 20 }), 20_000));
  assert.notEqual(hashOf(corpusEvents({ seed: 3, count: 20 }), 20_000), hashOf(corpusEvents({ seed: 4, count: 20 }), 20_000));
});

test('the default corpus has at least 400 rollouts, every kind equally, with 1-3 canaries and 3-6 baselines', () => {
  const plan = corpusPlan({ seed: 1 });
  assert.ok(plan.length >= 400 && plan.length === DEFAULT_CORPUS_COUNT);
  for (const kind of CORPUS_KINDS) assert.equal(plan.filter((p) => p.kind === kind).length, DEFAULT_CORPUS_COUNT / CORPUS_KINDS.length, kind);
  for (const { label, events } of sample) {
    assert.ok(label.canaries >= 1 && label.canaries <= 3 && label.baselines >= 3 && label.baselines <= 6, label.rollout);
    assert.equal(new Set(events.filter((e) => e.group === 'canary').map((e) => e.instance)).size, label.canaries, label.rollout);
    assert.equal(new Set(events.filter((e) => e.group === 'baseline').map((e) => e.instance)).size, label.baselines, label.rollout);
  }
  // corpusRollout(plan entry) is the same rollout the stream holds.
  const entry = corpusPlan({ seed: 7, count: sample.length })[5]!;
  assert.deepEqual(corpusRollout(entry), sample[5]);
});

test('labels: release faults expect no-go from a fault start inside the rollout; good rollouts expect go', () => {
  for (const { label } of sample) {
    assert.equal(label.bad, label.expected === 'no-go');
    assert.equal(label.bad, !label.kind.startsWith('good') && label.kind !== 'host-kernel-fault', label.kind);
    if (label.bad || label.kind === 'host-kernel-fault') {
      const from = Date.parse(label.faultStart!) - Date.parse(label.start);
      assert.ok(from >= CORPUS_SPEC.faultStartMinutes[0] * MINUTE && from <= CORPUS_SPEC.faultStartMinutes[1] * MINUTE + 90_000, `${label.rollout}: ${from}`);
    } else assert.equal(label.faultStart, undefined);
    assert.equal(label.environmentNoGoAccepted === true, label.kind === 'host-kernel-fault');
  }
});

test('every event is valid and the stream is in arrival order within the allowed lateness', () => {
  let maxT = -Infinity;
  let worst = 0;
  let n = 0;
  const rollouts = new Set<string>();
  let overlap = 0;
  for (const e of corpusEvents({ seed: 11, count: 30 })) {
    const r = parseEvent(e);
    assert.ok(r.ok, JSON.stringify(r));
    const t = Date.parse(e.time);
    maxT = Math.max(maxT, t);
    worst = Math.max(worst, maxT - t);
    if (!rollouts.has(e.rollout)) {
      rollouts.add(e.rollout);
      overlap = Math.max(overlap, rollouts.size);
    }
    n++;
  }
  assert.ok(n > 30 * 1_000);
  assert.ok(worst > 5_000, 'events are shuffled');
  assert.ok(worst <= CORPUS_SPEC.maxArrivalDelayMs && worst < 30_000, `out of order by ${worst} ms`);
});

test('cadences: metric reports every 15 s, probes every 30 s, about 6 log lines/min per instance', () => {
  for (const { label, events } of ofKind('good')) {
    const instances = label.canaries + label.baselines;
    const minutes = (CORPUS_SPEC.durationMinutes * MINUTE - 5_000) / MINUTE;
    const count = (pred: (e: RollwatchEvent) => boolean): number => events.filter(pred).length / instances / minutes;
    assert.ok(Math.abs(count((e) => e.metric === 'http_requests_total') - 4) < 0.2, label.rollout);
    assert.ok(Math.abs(count((e) => e.type === 'health_check_passed' || e.type === 'health_check_failed') - 2) < 0.2, label.rollout);
    const logs = count((e) => e.type === 'log');
    assert.ok(logs > 3 && logs < 9, `${label.rollout}: ${logs} lines/min`);
  }
});

/** Per-instance rate per minute of `pred` events after the fault start, canary and baseline. */
function ratesAfter(r: CorpusRollout, pred: (e: RollwatchEvent) => boolean, value: (e: RollwatchEvent) => number = () => 1): { canary: number; baseline: number } {
  const from = Date.parse(r.label.faultStart!);
  const minutes = (Date.parse(r.label.end) - from) / MINUTE;
  const sum = { canary: 0, baseline: 0 };
  for (const e of r.events) if (Date.parse(e.time) >= from && pred(e)) sum[e.group as 'canary' | 'baseline'] += value(e);
  return { canary: sum.canary / r.label.canaries / minutes, baseline: sum.baseline / r.label.baselines / minutes };
}

test('fault sizes are what the labels say (pooled over rollouts of the kind)', () => {
  const pooled = (kind: string, measure: (r: CorpusRollout) => number, expected: (r: CorpusRollout) => number, tolerance: number): void => {
    const rs = ofKind(kind);
    const m = rs.reduce((s, r) => s + measure(r), 0) / rs.length;
    const x = rs.reduce((s, r) => s + expected(r), 0) / rs.length;
    assert.ok(Math.abs(m - x) <= tolerance * x, `${kind}: measured ${m}, drawn ${x}`);
  };
  const errorLine = (e: RollwatchEvent): boolean => e.type === 'log' && e.level === 'error';
  pooled('error-log-rate', (r) => { const x = ratesAfter(r, errorLine); return x.canary - x.baseline; }, (r) => r.label.params.extraErrorLogsPerMin as number, 0.35);
  const ratio = (r: CorpusRollout): number => {
    const errors = ratesAfter(r, (e) => e.metric === 'http_errors_total', (e) => e.value!);
    const requests = ratesAfter(r, (e) => e.metric === 'http_requests_total', (e) => e.value!);
    return errors.canary / requests.canary / (errors.baseline / requests.baseline);
  };
  pooled('http-error-ratio', ratio, (r) => r.label.params.httpErrorFactor as number, 0.3);
  const latency = (r: CorpusRollout): number => {
    const mean = (g: string): number => {
      const v = r.events.filter((e) => e.group === g && e.metric === 'latency_ms' && Date.parse(e.time) >= Date.parse(r.label.faultStart!)).map((e) => e.value!);
      return v.reduce((s, x) => s + x, 0) / v.length;
    };
    return mean('canary') / mean('baseline') - 1;
  };
  pooled('latency', latency, (r) => r.label.params.latencyIncrease as number, 0.3);
  const failedShare = (r: CorpusRollout): number => {
    const failed = ratesAfter(r, (e) => e.type === 'health_check_failed');
    const all = ratesAfter(r, (e) => e.type === 'health_check_failed' || e.type === 'health_check_passed');
    return failed.canary / all.canary;
  };
  pooled('failed-probes', failedShare, (r) => r.label.params.failedProbeFraction as number, 0.15);
  pooled('new-error-template', (r) => ratesAfter(r, (e) => e.message === undefined ? false : !/request failed|connection reset|gateway returned/.test(e.message) && e.level === 'error').canary, (r) => r.label.params.newTemplatePerMin as number, 0.3);
});

test('crash loops and OOM kills hit the canaries from the fault start; baselines never crash', () => {
  for (const kind of ['crash-loop', 'oom-kill']) {
    for (const r of ofKind(kind)) {
      const crashes = r.events.filter((e) => e.type === 'container_exit' && (e.exitCode ?? 0) !== 0);
      assert.ok(crashes.length >= r.label.canaries, r.label.rollout);
      assert.ok(crashes.every((e) => e.group === 'canary' && e.time >= r.label.faultStart!), r.label.rollout);
      assert.equal(Math.min(...crashes.map((e) => Date.parse(e.time))), Date.parse(r.label.faultStart!) + (kind === 'oom-kill' ? 1 : 5), r.label.rollout);
      if (kind === 'oom-kill') assert.ok(r.events.some((e) => e.type === 'oom_killed' && e.exitCode === 137));
    }
  }
});

test('host-kernel faults crash canary and baseline instances on the bad kernel alike', () => {
  for (const r of ofKind('host-kernel-fault')) {
    const kernelOf = new Map(r.events.filter((e) => e.type === 'container_start').map((e) => [e.instance, e.hostAttributes?.kernel]));
    const crashed = new Set(r.events.filter((e) => e.type === 'container_exit' && e.exitCode === 139).map((e) => `${e.group}:${e.instance}`));
    assert.ok([...crashed].some((c) => c.startsWith('canary:')) && [...crashed].some((c) => c.startsWith('baseline:')), r.label.rollout);
    for (const c of crashed) assert.equal(kernelOf.get(c.split(':')[1]!), r.label.params.badKernel);
  }
});

test('good rollouts: benign new templates are info level, baseline restarts only on baselines', () => {
  for (const r of ofKind('good-new-info-template')) {
    const lines = r.events.filter((e) => e.message?.startsWith(String(r.label.params.newTemplate).slice(0, 12)));
    assert.ok(lines.length > 0 && lines.every((e) => e.level === 'info' && e.group === 'canary'), r.label.rollout);
  }
  for (const r of ofKind('good-baseline-restarts')) {
    const restarts = r.events.filter((e) => e.type === 'container_restart');
    assert.ok(restarts.length >= 1 && restarts.every((e) => e.group === 'baseline'), r.label.rollout);
  }
  for (const r of ofKind('good-low-traffic')) assert.ok((r.label.params.requestsPerSec as number) <= CORPUS_SPEC.good.lowTrafficRequestsPerSec[1]);
});
