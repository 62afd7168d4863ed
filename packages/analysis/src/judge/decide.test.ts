// Decisions resolve: a marginal verdict becomes analysis.onMarginal after analysis.decideBy of
// canary data, and the score of a failing no-go is below scoring.marginal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createEngine } from '../engine.js';
import { parsePolicy } from '../policy/parse.js';
import { ev, MIN, SEC, steady, T0 } from '../test-helpers.js';

// CPU is not mustPass: +50% CPU only lowers the score (resources group) to a marginal 85.
const hotCpu = (minutes: number) => steady({ minutes, cpu: (id) => (id.startsWith('c') ? 0.6 : 0.4) });

test('marginal is pending before analysis.decideBy and no-go (onMarginal) after it, with the reason', () => {
  const engine = createEngine();
  engine.ingest(hotCpu(10));
  const early = engine.evaluate('r1');
  assert.equal(early.decision, 'pending');
  assert.ok(early.score! >= 75 && early.score! < 95, `marginal score ${early.score}`);
  assert.match(early.reasons.find((r) => r.signal === 'score')!.message, /keep watching; no-go at \S+ \(analysis\.decideBy\)/);

  engine.ingest(hotCpu(17).filter((e) => Date.parse(e.time) >= T0 + 10 * MIN));
  const late = engine.evaluate('r1');
  assert.equal(late.decision, 'no-go');
  const why = late.reasons.find((r) => r.signal === 'score' && r.severity === 'fail')!;
  assert.match(why.message, /after 15m of canary data \(analysis\.decideBy\): no-go \(analysis\.onMarginal; failing: cpu_ratio\)/);
  assert.equal(late.noGoAt, new Date(T0 + 15 * MIN).toISOString());
  assert.ok(late.score! < 75, `the score agrees with the no-go: ${late.score}`);
});

test('onMarginal: go resolves a marginal verdict to go; pending keeps watching', () => {
  const go = createEngine({ policy: { analysis: { onMarginal: 'go', decideBy: '8m' } } });
  go.ingest(hotCpu(12));
  const r = go.evaluate('r1');
  assert.equal(r.decision, 'go');
  assert.match(r.reasons.find((x) => x.signal === 'score')!.message, /after 8m of canary data \(analysis\.decideBy\): go/);
  const watch = createEngine({ policy: { analysis: { onMarginal: 'pending', decideBy: '8m' } } });
  watch.ingest(hotCpu(20));
  assert.equal(watch.evaluate('r1').decision, 'pending');
});

test('low traffic stays pending after decideBy: too little data is not a marginal verdict', () => {
  const engine = createEngine();
  engine.ingest(steady({ minutes: 25, rps: 0.1 }));
  assert.equal(engine.evaluate('r1').decision, 'pending');
});

test('a critical no-go has a score below scoring.marginal (never 100)', () => {
  const engine = createEngine();
  engine.ingest(steady({ minutes: 8 }));
  engine.ingest([ev(7 * MIN + 10 * SEC, { instance: 'c2', type: 'oom_killed' })]);
  const r = engine.evaluate('r1');
  assert.equal(r.decision, 'no-go');
  assert.equal(r.reasons[0]!.severity, 'critical');
  assert.equal(r.score, 74.9);
});

test('policy: decideBy and onMarginal are validated and named in errors', () => {
  const bad = parsePolicy({ analysis: { decideBy: '15 minutes', onMarginal: 'maybe' } });
  assert.equal(bad.ok, false);
  const fields = bad.ok ? [] : bad.errors.map((e) => e.field);
  assert.ok(fields.includes('analysis.decideBy') && fields.includes('analysis.onMarginal'), fields.join(', '));
  const good = parsePolicy('analysis: { decideBy: 20m, onMarginal: go }');
  assert.ok(good.ok && good.policy.analysis.decideBy === 20 * MIN && good.policy.analysis.onMarginal === 'go');
});
