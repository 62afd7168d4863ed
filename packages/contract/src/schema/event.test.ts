import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { canonicalJson, eventJsonSchema, utf8ByteLength, validateEvent } from './event.js';

test('canonicalJson sorts keys and drops undefined', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: undefined, c: [2, { z: 1, y: 2 }] } }), '{"a":{"c":[2,{"y":2,"z":1}]},"b":1}');
});

test('the committed JSON Schema matches the zod schema', () => {
  const path = fileURLToPath(new URL('../../schema/event-v1.schema.json', import.meta.url));
  const committed = JSON.parse(readFileSync(path, 'utf8'));
  assert.deepEqual(committed, JSON.parse(JSON.stringify(eventJsonSchema())));
  assert.deepEqual([...(committed.required as string[])].sort(), ['group', 'instance', 'rollout', 'time', 'type']);
  assert.equal(committed.additionalProperties, false);
});

test('utf8ByteLength equals the UTF-8 encoding length, lone surrogates included', () => {
  for (const s of ['', 'a', 'é', '€', '😀', 'a😀b', '\ud800', '\udc00x', '\ud83d']) assert.equal(utf8ByteLength(s), Buffer.byteLength(s, 'utf8'), JSON.stringify(s));
  fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => utf8ByteLength(s) === Buffer.byteLength(s, 'utf8')), { numRuns: 2000 });
});

test('validateEvent normalises without inventing an id; a name over 256 UTF-8 bytes is refused', () => {
  const ok = validateEvent({ time: 1_700_000_000_000, rollout: 'r', group: 'canary', type: 'container_start', instance: 'i' });
  assert.ok(ok.ok);
  assert.equal(ok.event.id, undefined);
  assert.equal(ok.event.time, '2023-11-14T22:13:20.000Z');
  const long = validateEvent({ time: 1_700_000_000_000, rollout: '€'.repeat(86), group: 'canary', type: 'container_start', instance: 'i' });
  assert.ok(!long.ok);
  assert.equal(long.errors[0]?.field, 'rollout');
  assert.ok(validateEvent({ time: 1_700_000_000_000, rollout: '€'.repeat(85), group: 'canary', type: 'container_start', instance: 'i' }).ok);
});
