// The replay's fast path must never disagree with parseEvent, the one definition of a valid event:
// it may only decline (and let parseEvent answer), never accept something different.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseEvent } from '@rollwatch/core';
import { canonicalTimeMs, daysFromCivil, fastEvent, parseReplayEvent } from './replay-input.js';
import { corpusRollouts } from './scenarios/corpus.js';
import { Rng } from './scenarios/rng.js';

const NOW = Date.now();
const valid = [...corpusRollouts({ seed: 21, count: 14 })].flatMap((r) => r.events.slice(0, 60));
const WEIRD: unknown[] = [null, 0, -1, 1.5, 2 ** 60, Number.NaN, Infinity, '', 'x', 'x'.repeat(257), 'y'.repeat(65537), [], {}, { a: 1 }, { a: 'b' }, { '': 'v' }, true, '2025-01-06T10:00:00Z', '2025-01-06T10:00:00.000+01:00', '2025-01-06 10:00:00.000Z', '1999-12-31T23:59:59.999Z', '2999-01-01T00:00:00.000Z', 1736157600000, 'canary', 'metric', 'error'];
const FIELDS = ['id', 'time', 'rollout', 'group', 'type', 'instance', 'host', 'service', 'version', 'source', 'exitCode', 'message', 'level', 'metric', 'value', 'hostAttributes', 'labels', 'grup', '__proto__', 'constructor'];

function agree(input: unknown): boolean {
  const fast = fastEvent(input, NOW);
  const slow = parseEvent(input);
  if (fast === undefined) return false;
  assert.ok(slow.ok, `fast path accepted what parseEvent rejects: ${JSON.stringify(input)} → ${JSON.stringify(slow)}`);
  assert.deepEqual(fast, slow.event, JSON.stringify(input));
  return true;
}

test('the fast path takes the plain events of a recorded stream and agrees with parseEvent on them', () => {
  let fast = 0;
  for (const e of valid) if (agree(JSON.parse(JSON.stringify(e)))) fast++;
  assert.equal(fast, valid.length, 'every generated event is already canonical');
});

test('mutated events: the fast path either declines or gives exactly parseEvent\'s event', () => {
  const rng = new Rng(5);
  let declined = 0;
  let taken = 0;
  for (let i = 0; i < 20_000; i++) {
    const base = JSON.parse(JSON.stringify(rng.pick(valid))) as Record<string, unknown>;
    const mutations = rng.int(1, 3);
    for (let m = 0; m < mutations; m++) {
      const field = rng.pick(FIELDS);
      const action = rng.int(0, 3);
      if (action === 0) delete base[field];
      else if (action === 1) base[field] = rng.pick(WEIRD);
      else if (action === 2) Object.defineProperty(base, field, { value: rng.pick(WEIRD), enumerable: true, configurable: true, writable: true });
      else base[field] = { [rng.pick(['k', '', '__proto__', 'x'.repeat(300)])]: rng.pick(WEIRD) };
    }
    if (agree(JSON.parse(JSON.stringify(base)))) taken++;
    else declined++;
  }
  assert.ok(taken > 100 && declined > 100, `taken ${taken}, declined ${declined}`);
});

test('parseReplayEvent gives parseEvent\'s errors for bad input and its normalisation for non-canonical input', () => {
  assert.deepEqual(parseReplayEvent({ ...valid[0], grup: 'x' }), parseEvent({ ...valid[0], grup: 'x' }));
  const r = parseReplayEvent({ ...valid[0], time: '2025-01-06T11:00:00+01:00' });
  assert.ok(r.ok && r.event.time === '2025-01-06T10:00:00.000Z');
  const { id: _id, ...noId } = valid[0]!;
  const derived = parseReplayEvent(noId);
  assert.ok(derived.ok && derived.event.id.length === 32);
  assert.equal(parseReplayEvent(JSON.parse('{"__proto__":{"x":1}}')).ok, false);
});

test('canonicalTimeMs reads exactly the strings toISOString writes, and nothing else', () => {
  const rng = new Rng(9);
  for (let i = 0; i < 20_000; i++) {
    const ms = rng.int(Date.UTC(100, 0, 1), Date.UTC(9999, 11, 31, 23, 59, 59, 999));
    const s = new Date(ms).toISOString();
    assert.equal(canonicalTimeMs(s), ms, s);
  }
  const notCanonical = ['2025-02-29T10:00:00.000Z', '2024-02-30T10:00:00.000Z', '2025-04-31T00:00:00.000Z', '2025-13-01T00:00:00.000Z', '2025-00-10T00:00:00.000Z', '2025-01-06T24:00:00.000Z', '2025-01-06T10:60:00.000Z', '2025-01-06T10:00:60.000Z', '2025-01-06T10:00:00Z', '2025-01-06T10:00:00.000+00:00', '2025-01-06 10:00:00.000Z', '2025-01-06T10:00:00.00AZ', '+2025-01-06T10:00:00.000Z', '2025-1-06T10:00:00.000Z'];
  for (const s of notCanonical) {
    assert.ok(Number.isNaN(canonicalTimeMs(s)), s);
    const ms = Date.parse(s);
    assert.ok(Number.isNaN(ms) || new Date(ms).toISOString() !== s, `${s} is canonical after all`);
  }
  assert.equal(canonicalTimeMs('2024-02-29T23:59:59.999Z'), Date.UTC(2024, 1, 29, 23, 59, 59, 999));
  assert.equal(canonicalTimeMs('2000-02-29T00:00:00.000Z'), Date.UTC(2000, 1, 29));
  assert.ok(Number.isNaN(canonicalTimeMs('2100-02-29T00:00:00.000Z')));
  // Declined on purpose (Date.UTC maps years 0-99 to 19xx); the schema rejects them anyway.
  assert.ok(Number.isNaN(canonicalTimeMs('0099-01-06T10:00:00.000Z')));
});

test('daysFromCivil counts the days Date.UTC counts, on every day of years around leap rules and range ends', () => {
  for (const year of [100, 101, 399, 400, 1600, 1899, 1900, 1969, 1970, 1999, 2000, 2001, 2024, 2025, 2100, 2400, 9999]) {
    for (let month = 1; month <= 12; month++) {
      for (let day = 1; day <= 31; day++) {
        const utc = Date.UTC(year, month - 1, day);
        if (new Date(utc).getUTCDate() !== day) continue; // no such day
        assert.equal(daysFromCivil(year, month, day) * 86_400_000, utc, `${year}-${month}-${day}`);
      }
    }
  }
});
