import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createEngine } from '../engine.js';
import { ev, MIN, SEC, steady } from '../test-helpers.js';
import { hostAttributes } from '../scenarios/fleet.js';

// c1, b1, b2 on the bad kernel; the other six instances elsewhere.
const kernelOf = (id: string): string => (['c1', 'b1', 'b2'].includes(id) ? '4.4.0-98-generic' : '4.4.0-103-generic');
const crashes = (ids: string[], from: number): ReturnType<typeof ev>[] =>
  ids.flatMap((id, k) => [0, 1, 2, 3].flatMap((i) => {
    const t = from + k * 7 * SEC + i * 40 * SEC;
    return [ev(t, { instance: id, type: 'container_exit', exitCode: 139 }), ev(t + SEC, { instance: id, type: 'container_restart' })];
  }));

test('failures that follow a kernel in canary and baseline alike are attributed to the environment', () => {
  const engine = createEngine();
  engine.ingest(steady({ minutes: 10, hostAttributes: (id) => hostAttributes(kernelOf(id)) }));
  engine.ingest(crashes(['b1', 'b2', 'c1'], 3 * MIN));
  const r = engine.evaluate('r1');
  assert.equal(r.decision, 'no-go', 'still no-go by default');
  assert.equal(r.cause, 'environment');
  const env = r.reasons.find((x) => x.signal === 'environment')!;
  assert.deepEqual(env.attribute, { name: 'kernel', value: '4.4.0-98-generic' });
  assert.equal(env.cause, 'environment');
  assert.match(env.message, /failures on 3\/3 instances on hosts with kernel 4.4.0-98-generic \(canary and baseline alike: c1, b1, b2\), 0\/6 elsewhere/);
  // One-sided Fisher exact for [[3,0],[0,6]] = 1/C(9,3) = 1/84; cgroupVersion/os do not split here.
  assert.ok(Math.abs(env.pValue! - 1 / 84) < 1e-9, String(env.pValue));
  const rows = engine.hostInventory('r1').filter((row) => row.attribute === 'kernel');
  assert.deepEqual(rows.find((row) => row.value === '4.4.0-98-generic'), { attribute: 'kernel', value: '4.4.0-98-generic', canaryInstances: 1, baselineInstances: 2, failingCanary: 1, failingBaseline: 2 });
});

test('an ordinary bad canary is attributed to the release, even when it shares a kernel with healthy baselines', () => {
  const engine = createEngine();
  engine.ingest(steady({ minutes: 10, hostAttributes: (id) => hostAttributes(kernelOf(id)) }));
  engine.ingest(crashes(['c1', 'c2', 'c3'], 3 * MIN));
  const r = engine.evaluate('r1');
  assert.equal(r.decision, 'no-go');
  assert.equal(r.cause, 'release');
  assert.ok(!r.reasons.some((x) => x.signal === 'environment'));
});

test('onEnvironment: go keeps environment failures from blocking the release', () => {
  const engine = createEngine({ policy: { attribution: { onEnvironment: 'go' } } });
  engine.ingest(steady({ minutes: 10, hostAttributes: (id) => hostAttributes(kernelOf(id)) }));
  engine.ingest(crashes(['b1', 'b2', 'c1'], 3 * MIN));
  const r = engine.evaluate('r1');
  assert.equal(r.cause, 'environment');
  assert.notEqual(r.decision, 'no-go');
  assert.equal(r.reasons.find((x) => x.signal === 'environment')!.severity, 'warn');
});

test('no attribution without baseline failures on the same value', () => {
  const engine = createEngine();
  engine.ingest(steady({ minutes: 10, hostAttributes: (id) => hostAttributes(kernelOf(id)) }));
  engine.ingest(crashes(['c1'], 3 * MIN));
  const r = engine.evaluate('r1');
  assert.equal(r.decision, 'no-go');
  assert.equal(r.cause, 'release');
});
