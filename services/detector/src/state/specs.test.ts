import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStore } from '@rollwatch/core';
import { documentToSpec, parseRolloutSpec, specToDocument, SpecRegistry } from './specs.js';

describe('rollout specs', () => {
  it('round-trips inline policies through the stored document', () => {
    const parsed = parseRolloutSpec({ id: 'r', policy: { rules: [{ signal: 'restarts', max: 1 }] }, expectedInstances: 3, labels: { team: 'a' } });
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.spec.expectedInstances, { total: 3 });
    const doc = specToDocument(parsed.spec, '2026-01-01T00:00:00.000Z');
    assert.equal(typeof doc.policyJson, 'string');
    assert.deepEqual(documentToSpec(doc), parsed.spec);
  });

  it('lists every bad field', () => {
    const parsed = parseRolloutSpec({ id: 3, targetVersion: '', extra: true });
    assert.equal(parsed.ok, false);
    if (!parsed.ok) assert.deepEqual(parsed.errors.map((e) => e.field).sort(), ['extra', 'id', 'targetVersion']);
  });

  it('a second replica picks up registrations through sync()', async () => {
    const store = new MemoryStore();
    const a = new SpecRegistry(store);
    const b = new SpecRegistry(store);
    assert.equal((await a.save({ id: 'r1', labels: { x: 'y' } }, '2026-01-01T00:00:00.000Z')).created, true);
    assert.deepEqual((await b.sync()).map((s) => s.id), ['r1']);
    assert.deepEqual(await b.sync(), [], 'nothing new');
    const again = await a.save({ id: 'r1', labels: { x: 'z' } }, '2026-01-01T00:01:00.000Z');
    assert.equal(again.created, false);
    assert.equal(again.entry.registeredAt, '2026-01-01T00:00:00.000Z');
    assert.deepEqual((await b.sync()).map((s) => s.labels), [{ x: 'z' }]);
  });
});
