import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, INDICES, MemoryStore, parseEvent, type RollwatchEvent } from '@rollwatch/core';
import { createEngine } from '@rollwatch/analysis';
import { rebuildFromStore } from './rebuild.js';
import { SpecRegistry } from './specs.js';

function event(i: number, instance: string): RollwatchEvent {
  const parsed = parseEvent({ id: `e${i}`, time: Date.now() - 60_000 + i, rollout: 'r', group: i % 2 ? 'canary' : 'baseline', type: 'container_start', instance });
  assert.ok(parsed.ok);
  return parsed.event;
}

describe('rebuildFromStore', () => {
  it('skips a stored event the engine rejects and still rebuilds the rest', async () => {
    const store = new MemoryStore();
    await store.put(INDICES.events, [event(1, 'a'), event(2, 'boom'), event(3, 'b')]);
    const engine = createEngine();
    const ingest = engine.ingest.bind(engine);
    engine.ingest = (events) => {
      if (events.some((e) => e.instance === 'boom')) throw new Error('engine bug');
      return ingest(events);
    };
    const report = await rebuildFromStore({ engine, store, specs: new SpecRegistry(store), logger: createLogger('test', 'silent'), sinceMs: Date.now() - 3_600_000, maxEvents: 1000 });
    assert.deepEqual(report.rollouts, ['r']);
    const summary = engine.rollouts().find((r) => r.rollout === 'r')!;
    assert.equal(summary.events, 2);
  });
});
