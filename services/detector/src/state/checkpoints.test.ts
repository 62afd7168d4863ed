import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { INDICES, MemoryBus, MemoryStore } from '@rollwatch/core';
import { createDefaultEngine } from '../engine.js';
import { crashLoop, event, publishEvents, startHarness, waitUntil } from '../testing/harness.js';

const engine = () => createDefaultEngine({ DETECTOR_POLICY_FILE: undefined, DETECTOR_DEFAULT_POLICY: undefined });

describe('checkpoints', () => {
  it('restore = last checkpoint + replay of the events after its offset, with the verdicts of a full rebuild', async () => {
    const bus = new MemoryBus(2);
    const store = new MemoryStore();
    const config = { DETECTOR_CHECKPOINT_INTERVAL_MS: 0 };
    const first = await startHarness({ bus, store, engine: engine(), config });
    const rollouts = ['cp/a', 'cp/b', 'cp/c'];
    const early = rollouts.flatMap((r) => crashLoop(r, 2));
    await publishEvents(bus, early);
    await waitUntil('early events analysed', () => rollouts.every((r) => first.detector.tracker.latest(r)));
    await waitUntil('all early events consumed', async () => (await store.count(INDICES.events, {})) === early.length);
    assert.equal(await first.detector.checkpoint(), 2, 'one checkpoint per partition that ingested events');
    const late = [...rollouts.flatMap((r) => [event({ rollout: r, type: 'container_restart', group: 'canary', instance: 'can-1', exitCode: 1 }), event({ rollout: r, type: 'container_restart', group: 'canary', instance: 'can-1', exitCode: 1 })])];
    await publishEvents(bus, late);
    await waitUntil('late events consumed', async () => (await store.count(INDICES.events, {})) === early.length + late.length);
    await waitUntil('late events analysed', () => rollouts.every((r) => first.detector.tracker.latest(r)?.decision === 'no-go'));
    const before = new Map(rollouts.map((r) => [r, first.detector.tracker.latest(r)!]));
    await first.close();

    const checkpoints = (await store.search(INDICES.checkpoints, { size: 10 })).hits;
    assert.equal(checkpoints.length, 2);
    assert.ok(checkpoints.every((c) => typeof c.snapshot === 'string' && Number(c.offset) > 0));

    const restored = await startHarness({ bus, store, engine: engine(), config });
    try {
      assert.equal(restored.detector.lastRebuild()!.events, late.length, 'only the events after the checkpoints were replayed');
      for (const r of rollouts) {
        const v = restored.detector.tracker.latest(r);
        assert.equal(v?.decision, before.get(r)!.decision, r);
        assert.equal(v?.score, before.get(r)!.score, r);
        assert.equal(v?.sequence, before.get(r)!.sequence, `${r}: nothing re-published`);
      }
    } finally {
      await restored.close();
    }

    // Control: a group without checkpoints rebuilds fully from the stored events: same verdicts.
    const rebuilt = await startHarness({ bus, store, engine: engine(), config: { ...config, DETECTOR_CONSUMER_GROUP: 'no-checkpoints' } });
    try {
      assert.equal(rebuilt.detector.lastRebuild()!.events, early.length + late.length);
      for (const r of rollouts) assert.equal(rebuilt.detector.tracker.latest(r)?.score, before.get(r)!.score, r);
    } finally {
      await rebuilt.close();
    }
  });
});
