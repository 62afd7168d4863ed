import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseEvent } from '@rollwatch/core';
import { replicaLoadEvent } from './replicas.js';

describe('replicas bench load', () => {
  it('is valid events v1, over every rollout, both groups, logs and metrics', () => {
    const events = Array.from({ length: 1200 }, (_, i) => replicaLoadEvent(i, 120, Date.UTC(2026, 0, 1), 't'));
    const invalid = events.map((e) => parseEvent(e)).filter((p) => !p.ok);
    assert.equal(invalid.length, 0, JSON.stringify(invalid[0]));
    assert.equal(new Set(events.map((e) => e.rollout)).size, 120);
    assert.deepEqual([...new Set(events.map((e) => e.group))].sort(), ['baseline', 'canary']);
    assert.deepEqual([...new Set(events.map((e) => e.type))].sort(), ['log', 'metric']);
    assert.equal(new Set(events.map((e) => e.id)).size, events.length, 'ids are unique');
  });
});
