import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { INDICES, MemoryBus, MemoryStore, type Bus } from '@rollwatch/core';
import { parseEvent } from '@rollwatch/core';
import { createDefaultEngine } from '../engine.js';
import { chunkedSnapshot } from './checkpoints.js';
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

  it('a replica that does not own a rollout answers /series, /hosts, /templates from its partition\'s last checkpoint', async () => {
    const bus = new MemoryBus(2);
    const store = new MemoryStore();
    const owner = await startHarness({ bus, store, engine: engine(), config: { DETECTOR_CHECKPOINT_INTERVAL_MS: 0 } });
    // A member the group assigned nothing (more replicas than partitions): it owns no rollout.
    const idle: Bus = Object.assign(Object.create(bus) as Bus, {
      subscribe: async (options: Parameters<Bus['subscribe']>[0]) => {
        for (const topic of options.topics) await options.partitions?.assigned(topic, []);
        return { stop: async () => undefined };
      },
    });
    const other = await startHarness({ bus: idle, store, engine: engine(), config: { DETECTOR_CHECKPOINT_INTERVAL_MS: 0 } });
    try {
      await publishEvents(bus, crashLoop('cp/remote', 3));
      await waitUntil('analysed by the owner', () => owner.detector.tracker.latest('cp/remote')?.decision === 'no-go');
      const url = `${other.url}/api/v1/rollouts/cp%2Fremote`;
      assert.equal((await fetch(`${url}/series`)).status, 404, 'no checkpoint yet: nothing to answer from');
      await owner.detector.checkpoint();
      const fromOwner = (await (await fetch(`${owner.url}/api/v1/rollouts/cp%2Fremote/series`)).json()) as unknown;
      for (const path of ['series', 'hosts', 'templates']) {
        const answer = await fetch(`${url}/${path}`);
        assert.equal(answer.status, 200, path);
        assert.match(answer.headers.get('x-rollwatch-served-from') ?? '', /^checkpoint /);
        if (path === 'series') assert.deepEqual(await answer.json(), fromOwner);
      }
    } finally {
      await other.close();
      await owner.close();
    }
  });
});

describe('chunkedSnapshot', () => {
  it('is the same document as one engine.snapshot() of the rollouts, over several chunks', async () => {
    const e = engine();
    const ids = Array.from({ length: 450 }, (_, i) => `chunk/r-${String(i).padStart(3, '0')}`);
    const events = ids.flatMap((r) => crashLoop(r, 1)).map((input) => {
      const parsed = parseEvent(input);
      assert.ok(parsed.ok);
      return parsed.event;
    });
    e.ingest(events);
    const wanted = [...ids.slice(0, 300)].reverse(); // order of the caller does not matter
    const chunked = JSON.parse(await chunkedSnapshot(e, wanted)) as { rollouts: unknown[] };
    assert.equal(chunked.rollouts.length, 300);
    assert.deepEqual(chunked, JSON.parse(JSON.stringify(e.snapshot(wanted))));
    const restored = engine();
    restored.restore!(chunked);
    for (const r of ['chunk/r-000', 'chunk/r-299']) assert.deepEqual(restored.evaluate(r, Date.now()).decision, e.evaluate(r, Date.now()).decision);
    assert.equal(restored.rollouts().length, 300);
  });
});
