// A host fault that hits canary and baseline alike, in fleets too small for the concentration test
// (or where every host runs the bad value), must read as the environment, and must not be latched
// as a release no-go by a canary that happens to loop first. A real canary crash loop must still be
// caught at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createEngine } from '../engine.js';
import { analyzeEventsSync } from '../replay.js';
import { ev, MIN, SEC, steady, T0 } from '../test-helpers.js';
import { hostAttributes } from '../scenarios/fleet.js';

const BAD = '6.1.0-13-amd64';
const GOOD = '6.1.0-21-amd64';

/** Crash (exit 139 + restart) every `every` ms from `from`, `count` times. */
const crashing = (id: string, from: number, every: number, count: number): ReturnType<typeof ev>[] =>
  Array.from({ length: count }, (_, i) => from + i * every).flatMap((t) => [
    ev(t, { instance: id, type: 'container_exit', exitCode: 139 }),
    ev(t + SEC, { instance: id, type: 'container_restart' }),
  ]);

// 1 canary + 3 baselines; c1 and b1 on the bad kernel. Concentration alone: 2/2 vs 0/2, p = 1/6.
const smallFleet = (id: string): ReturnType<typeof hostAttributes> => hostAttributes(['c1', 'b1'].includes(id) ? BAD : GOOD);

test('small fleet: canary looping first on the bad kernel, baseline on it crashing too, is the environment', () => {
  const engine = createEngine();
  engine.ingest(steady({ canary: 1, baseline: 3, minutes: 12, hostAttributes: smallFleet }));
  // The canary loops at 3:00 + 2 x 40 s; the baseline on the same kernel crashes slower (60 s).
  engine.ingest([...crashing('c1', 3 * MIN, 40 * SEC, 6), ...crashing('b1', 3 * MIN + 10 * SEC, 60 * SEC, 6)]);
  const r = engine.evaluate('r1');
  assert.equal(r.decision, 'no-go', 'onEnvironment defaults to no-go');
  assert.equal(r.cause, 'environment');
  const env = r.reasons.find((x) => x.signal === 'environment')!;
  assert.deepEqual(env.attribute, { name: 'kernel', value: BAD });
  assert.match(env.message, /the baseline fails the same way on the same value/);
  assert.ok(!r.reasons.some((x) => x.cause === 'release' && x.severity !== 'info'), JSON.stringify(r.reasons));
});

test('every host on the bad kernel, canary and baseline crashing alike: the environment, not the release', () => {
  const engine = createEngine();
  engine.ingest(steady({ canary: 1, baseline: 3, minutes: 12, hostAttributes: () => hostAttributes(BAD) }));
  engine.ingest([...crashing('c1', 3 * MIN, 40 * SEC, 6), ...['b1', 'b2', 'b3'].flatMap((b, k) => crashing(b, 3 * MIN + (k + 1) * 15 * SEC, 70 * SEC, 6))]);
  const r = engine.evaluate('r1');
  assert.equal(r.cause, 'environment');
  assert.match(r.reasons.find((x) => x.signal === 'environment')!.message, /every instance runs it/);
});

test('onEnvironment go: the shared host fault is never latched as a no-go by the replay', () => {
  const events = [...steady({ canary: 1, baseline: 3, minutes: 12, hostAttributes: smallFleet }), ...crashing('c1', 3 * MIN, 40 * SEC, 6), ...crashing('b1', 3 * MIN + 10 * SEC, 60 * SEC, 6)];
  const [r] = analyzeEventsSync(events, { policy: { attribution: { onEnvironment: 'go' } } });
  assert.ok(r);
  assert.notEqual(r.decision, 'no-go', JSON.stringify(r.reasons.filter((x) => x.severity !== 'info')));
  assert.equal(r.cause, 'environment');
});

test('a real canary crash loop beside a healthy baseline on the same kernel is a release no-go at once', () => {
  const engine = createEngine();
  engine.ingest(steady({ canary: 1, baseline: 3, minutes: 12, hostAttributes: smallFleet }));
  engine.ingest(crashing('c1', 3 * MIN, 40 * SEC, 6));
  const r = engine.evaluate('r1');
  assert.equal(r.decision, 'no-go');
  assert.equal(r.cause, 'release');
  assert.equal(r.noGoAt, new Date(T0 + 3 * MIN + 80 * SEC).toISOString(), 'the third crash decides, not delayed');
  assert.equal(r.reasons.find((x) => x.signal === 'crash_loop')?.cause, 'release');
});

test('a baseline on the same kernel that crashed once but does not loop delays the canary crash loop by at most crashLoop.within', () => {
  const engine = createEngine();
  engine.ingest(steady({ canary: 1, baseline: 3, minutes: 12, hostAttributes: smallFleet }));
  engine.ingest([...crashing('c1', 3 * MIN, 40 * SEC, 6), ...crashing('b1', 2 * MIN, 60 * SEC, 1)]);
  const r = engine.evaluate('r1');
  assert.equal(r.decision, 'no-go');
  assert.equal(r.cause, 'release');
  const loop = r.reasons.find((x) => x.signal === 'crash_loop')!;
  assert.equal(loop.cause, 'release');
  // b1's only crash (exit at 2:00, restart at 2:01) holds the decision until 2:01 + 5 min.
  assert.equal(r.noGoAt, new Date(T0 + 2 * MIN + SEC + 5 * MIN).toISOString());
});
