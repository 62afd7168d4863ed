import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ValidationError } from '@rollwatch/core';
import { createEngine, restoreEngine } from './engine.js';
import { ev, MIN, SEC, shuffled, steady, T0 } from './test-helpers.js';

const iso = (t: number): string => new Date(T0 + t).toISOString();

test('a good canary becomes go once enough windows are judged, pending before', () => {
  const engine = createEngine();
  engine.ingest(steady({ minutes: 1 }));
  const early = engine.evaluate('r1');
  assert.equal(early.decision, 'pending');
  engine.ingest(steady({ minutes: 8 }));
  const r = engine.evaluate('r1');
  assert.equal(r.decision, 'go');
  assert.equal(r.score, 100);
  assert.equal(r.noGoAt, null);
  assert.equal(r.service, 'web');
  assert.ok(r.reasons.some((x) => x.signal === 'latency' && /latency ok/.test(x.message)));
});

test('too few samples is pending with the reason, never a pass', () => {
  const engine = createEngine();
  engine.ingest(steady({ minutes: 10, rps: 0.1 }));
  const r = engine.evaluate('r1');
  assert.equal(r.decision, 'pending');
  const why = r.reasons.find((x) => x.signal === 'http_error_rate');
  assert.match(why!.message, /too few samples \(canary 0\/6/);
});

test('latency regression fails with canary vs baseline numbers, p-value and effect size', () => {
  const engine = createEngine();
  engine.ingest(steady({ minutes: 10, latency: (id) => (id.startsWith('c') ? 150 : 100) }));
  const r = engine.evaluate('r1');
  assert.equal(r.decision, 'no-go');
  assert.equal(r.cause, 'release');
  const reason = r.reasons.find((x) => x.signal === 'latency')!;
  assert.equal(reason.severity, 'fail');
  assert.ok(reason.canary! > 140 && reason.baseline! < 110);
  assert.ok(reason.pValue! < 1e-4);
  assert.ok(Math.abs(reason.effectSize! - 0.5) < 0.05);
  assert.equal(reason.threshold, 0.1);
  assert.match(reason.message, /latency worse: canary \S+ vs baseline \S+ ms \(\+\d+(\.\d+)?% per window over \d+ window\(s\)\), mixture SPRT always-valid p=/);
});

test('a small but consistent difference within the allowed increase passes', () => {
  const engine = createEngine();
  engine.ingest(steady({ minutes: 12, latency: (id) => (id.startsWith('c') ? 105 : 100), jitter: false }));
  const r = engine.evaluate('r1');
  const latency = r.reasons.find((x) => x.signal === 'latency')!;
  assert.ok(Math.abs(latency.effectSize! - 0.05) < 0.01, `the shift is +5%: ${latency.effectSize}`);
  assert.match(latency.message, /^latency ok: /);
  assert.equal(r.decision, 'go');
});

test('canary OOM kill while the baseline has none is no-go at the event time, without waiting', () => {
  const engine = createEngine();
  engine.ingest(steady({ minutes: 2 }));
  engine.ingest([ev(95 * SEC, { instance: 'c2', type: 'oom_killed' })]);
  const r = engine.evaluate('r1');
  assert.equal(r.decision, 'no-go');
  assert.equal(r.noGoAt, iso(95 * SEC));
  assert.equal(r.reasons[0]!.signal, 'oom_kills');
  assert.equal(r.reasons[0]!.severity, 'critical');
});

test('OOM kills in the baseline first are not a canary-critical signal', () => {
  const engine = createEngine();
  engine.ingest(steady({ minutes: 2 }));
  engine.ingest([ev(60 * SEC, { instance: 'b1', type: 'oom_killed' }), ev(95 * SEC, { instance: 'c2', type: 'oom_killed' })]);
  const r = engine.evaluate('r1');
  assert.ok(!r.reasons.some((x) => x.signal === 'oom_kills'));
});

test('crash loop: no-go at the third restart within 5 minutes', () => {
  const engine = createEngine({ policy: { critical: { nonZeroExits: 0 } } });
  engine.ingest(steady({ minutes: 3 }));
  engine.ingest([
    ev(10 * SEC, { instance: 'c1', type: 'container_restart' }),
    ev(40 * SEC, { instance: 'c1', type: 'container_restart' }),
    ev(400 * SEC, { instance: 'c1', type: 'container_restart' }),
  ]);
  assert.equal(engine.evaluate('r1').reasons.some((x) => x.signal === 'crash_loop'), false, 'three restarts over 6.5 minutes are not a loop');
  engine.ingest([ev(420 * SEC, { instance: 'c1', type: 'container_restart' })]);
  engine.ingest([ev(430 * SEC, { instance: 'c1', type: 'container_restart' })]);
  const r = engine.evaluate('r1');
  assert.equal(r.decision, 'no-go');
  assert.equal(r.noGoAt, iso(430 * SEC));
});

test('repeated non-zero exits of the canary are critical; exit code 0 is not', () => {
  const engine = createEngine();
  engine.ingest(steady({ minutes: 2 }));
  engine.ingest([0, 1, 2, 3].map((i) => ev((20 + i) * SEC, { instance: 'c3', type: 'container_exit', exitCode: 0 })));
  assert.notEqual(engine.evaluate('r1').decision, 'no-go');
  engine.ingest([1, 2, 3].map((i) => ev((60 + 10 * i) * SEC, { instance: `c${i}`, type: 'container_exit', exitCode: 1 })));
  const r = engine.evaluate('r1');
  assert.equal(r.decision, 'no-go');
  assert.equal(r.noGoAt, iso(90 * SEC));
  assert.equal(r.reasons[0]!.signal, 'nonzero_exits');
});

test('error rate above 10% in a closed window is no-go at the window end', () => {
  const engine = createEngine();
  engine.ingest(steady({ minutes: 6, errorRate: (id, m) => (id.startsWith('c') && m >= 2 ? 0.15 : 0.01) }));
  const r = engine.evaluate('r1');
  assert.equal(r.decision, 'no-go');
  assert.equal(r.noGoAt, iso(3 * MIN));
  const reason = r.reasons.find((x) => x.signal === 'http_error_rate' && x.threshold === 0.1)!;
  assert.match(reason.message, /above the 10% ceiling/);
});

test('CPU above 85% for 2 minutes is no-go; one hot minute is not', () => {
  const one = createEngine();
  one.ingest(steady({ minutes: 6, cpu: (id, m) => (id.startsWith('c') && m === 2 ? 0.95 : 0.4), jitter: false }));
  assert.ok(!one.evaluate('r1').reasons.some((x) => x.signal === 'cpu_ratio' && x.severity === 'fail' && /above 85%/.test(x.message)));
  const two = createEngine();
  two.ingest(steady({ minutes: 6, cpu: (id, m) => (id.startsWith('c') && m >= 2 ? 0.95 : 0.4), jitter: false }));
  const r = two.evaluate('r1');
  assert.equal(r.decision, 'no-go');
  assert.equal(r.noGoAt, iso(4 * MIN));
});

test('no healthy canary instance for more than 5 minutes is no-go', () => {
  const engine = createEngine();
  engine.ingest(steady({ minutes: 12 }));
  engine.ingest(['c1', 'c2', 'c3'].map((id, i) => ev(2 * MIN + i * SEC, { instance: id, type: 'health_check_failed' })));
  const r = engine.evaluate('r1');
  assert.equal(r.decision, 'no-go');
  const reason = r.reasons.find((x) => x.signal === 'availability')!;
  assert.equal(r.noGoAt, iso(2 * MIN + 2 * SEC + 5 * MIN));
  assert.match(reason.message, /no healthy canary instance/);
});

test('a silent canary is pending within the timeout and no-go after it (configurable)', () => {
  const baselineOnly = steady({ minutes: 15, canary: 0 });
  const withCanary = [...baselineOnly, ev(0, { instance: 'c1', type: 'container_start' })];
  const strict = createEngine();
  strict.ingest(withCanary);
  const early = strict.evaluate('r1', T0 + 5 * MIN);
  assert.equal(early.decision, 'pending');
  assert.ok(early.reasons.some((x) => x.signal === 'no_data' && x.severity === 'warn'));
  const late = strict.evaluate('r1');
  assert.equal(late.decision, 'no-go');
  assert.equal(late.noGoAt, iso(10 * MIN));
  assert.equal(late.cause, 'unknown');
  const lenient = createEngine({ policy: { noData: { onCanaryMissing: 'pending' } } });
  lenient.ingest(withCanary);
  assert.equal(lenient.evaluate('r1').decision, 'pending');
});

test('stable counts as the baseline when no baseline exists', () => {
  const engine = createEngine();
  engine.ingest(steady({ minutes: 8 }).map((e) => (e.group === 'baseline' ? { ...e, group: 'stable' as const } : e)));
  const r = engine.evaluate('r1');
  assert.equal(r.decision, 'go');
  assert.deepEqual(engine.rollouts()[0]!.instances, { canary: 3, baseline: 6, other: 0 });
});

test('duplicates are ignored, within a batch and across batches', () => {
  const events = steady({ minutes: 8, latency: (id) => (id.startsWith('c') ? 140 : 100) });
  const once = createEngine();
  once.ingest(events);
  const twice = createEngine();
  twice.ingest([...events, ...events.slice(0, 50)]);
  twice.ingest(events.slice(-20));
  assert.deepEqual(twice.evaluate('r1'), once.evaluate('r1'));
  assert.equal(twice.rollouts()[0]!.events, events.length);
  // Old re-deliveries (their window closed, its id set dropped: bounded memory) are not counted
  // twice either; they show up as late events.
  twice.ingest(events.slice(100, 200));
  const again = twice.evaluate('r1');
  const first = once.evaluate('r1');
  assert.equal(again.decision, first.decision);
  assert.equal(again.score, first.score);
  assert.deepEqual(again.reasons.filter((r) => r.signal !== 'late_events'), first.reasons);
  assert.equal(twice.rollouts()[0]!.events, events.length);
});

test('any order of input gives the same verdict', () => {
  const events = steady({ minutes: 9, errorRate: (id) => (id.startsWith('c') ? 0.03 : 0.01) });
  const a = createEngine();
  a.ingest(events);
  for (const seed of [1, 2, 3]) {
    const b = createEngine();
    b.ingest(shuffled(events, seed));
    assert.deepEqual(b.evaluate('r1'), a.evaluate('r1'));
    assert.deepEqual(b.series('r1'), a.series('r1'));
  }
});

test('events later than the allowed lateness are not counted; late OOM kills still are', () => {
  const engine = createEngine();
  engine.ingest(steady({ minutes: 6 }));
  const touched = engine.ingest([ev(60 * SEC, { instance: 'c1', type: 'metric', metric: 'latency_ms', value: 10_000 })]);
  assert.deepEqual(touched, []);
  const r = engine.evaluate('r1');
  assert.ok(r.reasons.some((x) => x.signal === 'late_events'));
  engine.ingest([ev(61 * SEC, { instance: 'c1', type: 'oom_killed' })]);
  assert.equal(engine.evaluate('r1').decision, 'no-go');
});

test('an event within the lateness lands in its (still open) window', () => {
  const engine = createEngine();
  engine.ingest([ev(0, { instance: 'c1', type: 'container_start' }), ev(70 * SEC, { instance: 'c1', type: 'metric', metric: 'cpu_ratio', value: 0.5 })]);
  assert.deepEqual(engine.ingest([ev(59 * SEC, { instance: 'c1', type: 'metric', metric: 'cpu_ratio', value: 0.3 })]), ['r1']);
  const cpu = engine.series('r1').find((s) => s.signal === 'cpu_ratio')!;
  assert.deepEqual(cpu.points.map((p) => [p.t - T0, p.canary]), [[0, 0.3], [60_000, 0.5]]);
});

test('windows are bounded by retainWindows', () => {
  const engine = createEngine({ policy: { analysis: { retainWindows: 5 } } });
  engine.ingest(steady({ minutes: 20, canary: 1, baseline: 1 }));
  const snap = engine.snapshot();
  assert.ok(Object.keys((snap.rollouts[0] as { state: { windows: object } }).state.windows).length <= 5);
});

test('snapshot and restore give equal verdicts and continue identically', () => {
  const events = steady({ minutes: 12, latency: (id) => (id.startsWith('c') ? 125 : 100) });
  const logs = [1, 2, 3, 4, 5, 6].map((i) => ev(i * 40 * SEC, { instance: 'c1', type: 'log', level: 'error', message: `boom id=${i}` }));
  const all = [...events, ...logs].sort((x, y) => Date.parse(x.time) - Date.parse(y.time));
  const half = all.filter((e) => Date.parse(e.time) < T0 + 6 * MIN);
  const rest = all.filter((e) => Date.parse(e.time) >= T0 + 6 * MIN);
  const live = createEngine();
  live.ingest(half);
  const restored = restoreEngine(JSON.parse(JSON.stringify(live.snapshot())));
  assert.deepEqual(restored.evaluate('r1'), live.evaluate('r1'));
  live.ingest(rest);
  restored.ingest(rest);
  assert.deepEqual(restored.evaluate('r1'), live.evaluate('r1'));
  assert.deepEqual(restored.templates('r1'), live.templates('r1'));
  assert.throws(() => restoreEngine({ nope: true }), ValidationError);
});

test('evict drops rollouts whose last event is older than the cut-off', () => {
  const engine = createEngine();
  engine.ingest(steady({ minutes: 2, rollout: 'old' }));
  engine.ingest(steady({ minutes: 2, from: 60 * MIN, rollout: 'new' }));
  assert.deepEqual(engine.evict(T0 + 30 * MIN), ['old']);
  assert.deepEqual(engine.rollouts().map((r) => r.rollout), ['new']);
  assert.equal(engine.evaluate('old').decision, 'pending');
});

test('register: named and inline policies, per-service overrides, unknown names rejected', () => {
  const engine = createEngine({ policy: { overrides: { services: { web: { thresholds: { errorRate: 0.02 } } } } } });
  engine.ingest(steady({ minutes: 6, errorRate: (id) => (id.startsWith('c') ? 0.04 : 0.01) }));
  assert.equal(engine.policyOf('r1').thresholds.errorRate, 0.02);
  assert.equal(engine.evaluate('r1').decision, 'no-go');
  engine.register({ id: 'r1', policy: { thresholds: { errorRate: 0.5 } } });
  assert.equal(engine.policyOf('r1').thresholds.errorRate, 0.02, 'service override applies over the inline policy');
  engine.register({ id: 'r1', policy: 'strict' });
  assert.equal(engine.policyOf('r1').judge.allowedIncrease, 0.05);
  assert.throws(() => engine.register({ id: 'r1', policy: 'no-such-policy' }), (e: unknown) => e instanceof ValidationError && e.field === 'policy');
  assert.throws(() => engine.register({ id: 'r1', policy: { thresholds: { errorRate: 7 } } }), /thresholds.errorRate: must be between 0 and 1/);
});

test('series gives per-window canary and baseline values with thresholds', () => {
  const engine = createEngine();
  engine.ingest(steady({ minutes: 3, jitter: false }));
  const series = engine.series('r1');
  const err = series.find((s) => s.signal === 'http_error_rate')!;
  assert.equal(err.threshold, 0.1);
  assert.equal(err.points.length, 3);
  assert.ok(Math.abs(err.points[0]!.canary! - 0.01) < 1e-9);
});

test('evaluating at wall-clock time long after the events (the detector passes now) keeps the verdict', () => {
  const good = createEngine();
  good.ingest(steady({ minutes: 10 }));
  const later = T0 + 300 * 24 * 60 * MIN;
  assert.equal(good.evaluate('r1', later).decision, 'go', 'both groups quiet: the stream ended, the canary is not missing');
  const bad = createEngine();
  bad.ingest(steady({ minutes: 10, latency: (id) => (id.startsWith('c') ? 150 : 100) }));
  const r = bad.evaluate('r1', later);
  assert.equal(r.decision, 'no-go');
  assert.equal(r.noGoAt, bad.evaluate('r1').noGoAt);
});
