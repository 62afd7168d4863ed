import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseEvent } from './parse-event.js';

const base = { time: '2026-11-24T10:00:00Z', rollout: 'checkout-v2', group: 'canary', type: 'container_restart', instance: 'pod-1' };

test('a minimal valid event is normalised: RFC 3339 UTC time and a derived id', () => {
  const result = parseEvent({ ...base, time: '2026-11-24T11:00:00+01:00' });
  assert.equal(result.ok, true);
  if (!result.ok) return;
  assert.equal(result.event.time, '2026-11-24T10:00:00.000Z');
  assert.match(result.event.id, /^[0-9a-f]{32}$/);
});

test('epoch milliseconds are accepted and stored as RFC 3339 UTC', () => {
  const ms = Date.UTC(2026, 10, 24, 10, 0, 0);
  const result = parseEvent({ ...base, time: ms });
  assert.ok(result.ok);
  assert.equal(result.ok && result.event.time, '2026-11-24T10:00:00.000Z');
});

test('the derived id depends on content only, not key order or time format', () => {
  const a = parseEvent({ ...base, labels: { a: '1', b: '2' } });
  const b = parseEvent({ labels: { b: '2', a: '1' }, instance: 'pod-1', type: 'container_restart', group: 'canary', rollout: 'checkout-v2', time: Date.parse(base.time) });
  const c = parseEvent({ ...base, instance: 'pod-2' });
  assert.ok(a.ok && b.ok && c.ok);
  assert.equal(a.event.id, b.event.id);
  assert.notEqual(a.event.id, c.event.id);
});

test('an explicit id is kept as the idempotency key', () => {
  const result = parseEvent({ ...base, id: 'evt-42' });
  assert.ok(result.ok && result.event.id === 'evt-42');
});

for (const [field, value, expected] of [
  ['group', 'blue', /group/],
  ['type', 'crash', /type/],
  ['time', 'yesterday', /time/],
  ['time', 1_700_000, /time.*2000/],
  ['time', Date.now() + 3 * 86_400_000, /future/],
  ['exitCode', '137', /exitCode/],
  ['rollout', '', /rollout/],
  ['hostAttributes', { kernel: 5 }, /hostAttributes\.kernel/],
] as const) {
  test(`invalid ${field}=${JSON.stringify(value)} is rejected naming the field`, () => {
    const result = parseEvent({ ...base, [field]: value });
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.match(`${result.errors[0]!.field} ${result.errors[0]!.message}`, expected);
  });
}

test('missing required fields are each named', () => {
  const result = parseEvent({ time: base.time });
  assert.equal(result.ok, false);
  if (result.ok) return;
  const fields = result.errors.map((e) => e.field).sort();
  assert.deepEqual(fields, ['group', 'instance', 'rollout', 'type']);
  assert.match(result.errors[0]!.message, /is required/);
});

test('unknown top-level fields are rejected with a hint to use labels', () => {
  const result = parseEvent({ ...base, grup: 'canary' });
  assert.equal(result.ok, false);
  if (result.ok) return;
  assert.equal(result.errors[0]!.field, 'grup');
  assert.match(result.errors[0]!.message, /labels/);
});

test('metric events need metric and value; log events need message', () => {
  const metric = parseEvent({ ...base, type: 'metric' });
  assert.ok(!metric.ok && metric.errors.map((e) => e.field).sort().join() === 'metric,value');
  const log = parseEvent({ ...base, type: 'log' });
  assert.ok(!log.ok && log.errors[0]!.field === 'message');
  assert.ok(parseEvent({ ...base, type: 'metric', metric: 'cpu_ratio', value: 0.5 }).ok);
});

test('non-objects are rejected without throwing', () => {
  for (const input of [null, 42, 'x', [], undefined]) {
    const result = parseEvent(input);
    assert.equal(result.ok, false);
  }
});

test('revision is optional, kept as given, and may not contain the key separator', () => {
  const ok = parseEvent({ ...base, revision: '5b4a3c2d1' });
  assert.equal(ok.ok && ok.event.revision, '5b4a3c2d1');
  const bad = parseEvent({ ...base, revision: 'a@b' });
  assert.equal(bad.ok, false);
  if (!bad.ok) assert.equal(bad.errors[0]!.field, 'revision');
});

test('input contracts: byte-capped names, no control/bidi characters, <= 64 labels, finite non-negative values', () => {
  const base = { time: new Date().toISOString(), rollout: 'r', group: 'canary', type: 'metric', instance: 'i', metric: 'http_error_rate', value: 0.1 };
  const errorOf = (patch: Record<string, unknown>) => {
    const result = parseEvent({ ...base, ...patch });
    return result.ok ? undefined : result.errors[0];
  };
  assert.equal(errorOf({}), undefined);
  assert.match(errorOf({ rollout: 'é'.repeat(129) })!.message, /at most 256 bytes/); // 129 characters, 258 bytes
  assert.equal(errorOf({ rollout: 'é'.repeat(128) }), undefined);
  for (const bad of ['a\u202eb', 'a\u0000b', 'a\nb', 'a\u2066b', 'a\u200fb', 'a\u009bb']) assert.match(errorOf({ instance: bad })!.message, /control or bidirectional/, JSON.stringify(bad));
  assert.match(errorOf({ id: 'x\u202e' })!.field, /^id$/);
  assert.match(errorOf({ labels: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v'])) })!.message, /at most 64 keys/);
  assert.equal(errorOf({ labels: Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`k${i}`, 'v'])) }), undefined);
  assert.match(errorOf({ value: -1 })!.field, /^value$/);
  assert.equal(errorOf({ value: JSON.parse('1e400') })!.message, 'value must be a finite number (1e400 and larger overflow)');
  assert.equal(errorOf({ value: undefined })!.message, 'value is required when type is "metric"');
});
