import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createEngine } from '../engine.js';
import { ev, MIN, SEC, steady } from '../test-helpers.js';

const logs = (ids: string[], minutes: number, perMinute: number, line: (i: number) => string, level: 'warn' | 'error' = 'error'): ReturnType<typeof ev>[] =>
  ids.flatMap((id, k) => Array.from({ length: minutes * perMinute }, (_, i) => ev(Math.floor((i * MIN) / perMinute) + k * 100 + 5 * SEC, { instance: id, type: 'log', level, message: line(i) })));

test('a template seen only in the canary fails with the template and an example line', () => {
  const engine = createEngine({ policy: { signals: { error_log_rate: { mustPass: false } } } });
  // One call: ingest() sorts by event time; separate calls would make the older lines late.
  engine.ingest([
    ...steady({ minutes: 10 }),
    ...logs(['b1', 'b2', 'b3', 'b4', 'b5', 'b6', 'c1', 'c2', 'c3'], 10, 1, (i) => `upstream timeout after ${1000 + i}ms`),
    ...logs(['c1', 'c2'], 10, 2, (i) => `NullPointerException in PriceCalculator.apply order=${5000 + i}`),
  ]);
  const r = engine.evaluate('r1');
  const reason = r.reasons.find((x) => x.signal === 'log_templates')!;
  assert.notEqual(reason.severity, 'info');
  assert.match(reason.message, /new log template in the canary \(40 lines on 2 instance\(s\), never in the baseline/);
  assert.equal(reason.template, 'NullPointerException in PriceCalculator.apply order=<*>');
  assert.match(reason.example!, /^NullPointerException in PriceCalculator.apply order=50\d\d$/);
  const table = engine.templates('r1');
  assert.deepEqual(
    table.map((t) => [t.template, t.canary, t.baseline]),
    [
      ['upstream timeout after <*>', 30, 60],
      ['NullPointerException in PriceCalculator.apply order=<*>', 40, 0],
    ],
  );
});

test('a few canary-only lines are not enough evidence (the baseline is bigger)', () => {
  const engine = createEngine();
  engine.ingest([...steady({ minutes: 10 }), ...logs(['c1', 'c2'], 1, 2, (i) => `cache miss ratio high: ${40 + i}%`, 'warn')]);
  const reason = engine.evaluate('r1').reasons.find((x) => x.signal === 'log_templates')!;
  assert.equal(reason.severity, 'info');
});

test('lines below the policy level are not mined', () => {
  const engine = createEngine();
  engine.ingest([...steady({ minutes: 8 }), ...logs(['c1', 'c2', 'c3'], 8, 3, (i) => `GET /api/orders/${i} 200`).map((e) => ({ ...e, level: 'info' as const }))]);
  assert.deepEqual(engine.templates('r1'), []);
});

test('a new error-level template (3 canaries vs 3 baselines) blocks the rollout once the baseline had a fair chance', () => {
  const line = (i: number): ReturnType<typeof ev> => ev(2 * MIN + i * 10 * SEC, { instance: `c${(i % 3) + 1}`, type: 'log', level: 'error', message: `connection refused: postgres://db-${i}:5432 (pool exhausted)` });
  const fleet = steady({ minutes: 6, baseline: 3 });
  const ten = createEngine();
  ten.ingest([...fleet, ...Array.from({ length: 10 }, (_, i) => line(i))]);
  assert.notEqual(ten.evaluate('r1').decision, 'no-go', '10 lines at an even canary/baseline split are not yet enough');
  const engine = createEngine();
  engine.ingest([...fleet, ...Array.from({ length: 11 }, (_, i) => line(i))]);
  const r = engine.evaluate('r1');
  assert.equal(r.decision, 'no-go');
  const reason = r.reasons.find((x) => x.signal === 'log_templates')!;
  assert.equal(reason.severity, 'fail');
  assert.equal(reason.threshold, 3);
  assert.match(reason.message, /new log template in the canary \(11 lines on 3 instance\(s\), never in the baseline, always-valid p=\S+; level error\)/);
  assert.equal(reason.template, 'connection refused: <*> (pool exhausted)');
  assert.match(reason.example!, /^connection refused: postgres:\/\/db-\d:5432 \(pool exhausted\)$/);
  assert.ok(r.score! < 75);
});

test('a rare error template that happens to land on 1 canary 5 times (vs 3 baselines) is not yet enough', () => {
  const engine = createEngine();
  engine.ingest([
    ...steady({ minutes: 6, canary: 1, baseline: 3 }),
    ...[0, 1, 2, 3, 4].map((i) => ev(2 * MIN + i * 20 * SEC, { instance: 'c1', type: 'log', level: 'error', message: `database connection reset by peer conn=${i + 7}` })),
  ]);
  assert.notEqual(engine.evaluate('r1').reasons.find((x) => x.signal === 'log_templates')?.severity, 'fail');
});

test('new info-level templates never fail, however often they appear', () => {
  const engine = createEngine({ policy: { logTemplates: { minLevel: 'info' } } });
  engine.ingest([...steady({ minutes: 10 }), ...logs(['c1', 'c2', 'c3'], 10, 3, (i) => `feature flag checkout-v2 enabled for user ${i}`).map((e) => ({ ...e, level: 'info' as const }))]);
  const r = engine.evaluate('r1');
  // The miner masks digits glued to a name (checkout-v<*>), so match the template's prefix.
  assert.ok(engine.templates('r1').some((t) => t.template.startsWith('feature flag checkout-v') && t.canary === 90 && t.baseline === 0));
  assert.equal(r.reasons.find((x) => x.signal === 'log_templates')!.severity, 'info');
  assert.equal(r.decision, 'go');
});
