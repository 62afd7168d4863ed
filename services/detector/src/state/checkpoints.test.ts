import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { INDICES, MemoryBus, MemoryStore, type Bus } from '@rollwatch/core';
import { parseEvent } from '@rollwatch/core';
import { createDefaultEngine } from '../engine.js';
import { chunkedSnapshot, packPaced } from './checkpoints.js';
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

  it('writes rollouts finished by then packed (JSON text, not parsed by a restore); settled ones stay packed through the rounds, with the same verdicts on demand', async () => {
    const bus = new MemoryBus(2);
    const store = new MemoryStore();
    const config = { DETECTOR_CHECKPOINT_INTERVAL_MS: 0 };
    const hoursAgo = (input: ReturnType<typeof crashLoop>[number]) => ({ ...input, time: new Date(Date.parse(String(input.time)) - 2 * 3_600_000).toISOString() });
    const finished = ['cp/done-1', 'cp/done-2'];
    const live = ['cp/live-1'];
    const events = [...finished.flatMap((r) => crashLoop(r, 3).map(hoursAgo)), ...live.flatMap((r) => crashLoop(r, 3))];
    const firstEngine = engine();
    const first = await startHarness({ bus, store, engine: firstEngine, config });
    await publishEvents(bus, events);
    await waitUntil('events consumed', async () => (await store.count(INDICES.events, {})) === events.length);
    await waitUntil('every rollout judged', () => [...finished, ...live].every((r) => first.detector.tracker.latest(r)?.decision === 'no-go'));
    const before = new Map([...finished, ...live].map((r) => [r, first.detector.tracker.latest(r)!]));
    const series = new Map<string, unknown>();
    for (const r of [...finished, ...live]) series.set(r, await (await fetch(`${first.url}/api/v1/rollouts/${encodeURIComponent(r)}/series`)).json());
    await first.detector.checkpoint();
    const dormant = (e: unknown): number => (e as { dormantRollouts(): number }).dormantRollouts();
    assert.equal(dormant(firstEngine), finished.length, 'the checkpoint packed the settled finished rollouts in memory too');
    const reread = await fetch(`${first.url}/api/v1/rollouts/${encodeURIComponent(finished[0]!)}/series`);
    assert.deepEqual(await reread.json(), series.get(finished[0]!), 'a packed rollout answers as before (and is unpacked by the read)');
    assert.equal(dormant(firstEngine), finished.length - 1);
    await first.close();

    const entries = (await store.search(INDICES.checkpoints, { size: 10 })).hits.flatMap((c) => (JSON.parse(String(c.snapshot)) as { rollouts: Record<string, unknown>[] }).rollouts);
    const packed = entries.filter((e) => typeof e.json === 'string').map((e) => (e.head as { id: string }).id);
    assert.deepEqual(packed.sort(), finished, 'finished rollouts are packed, the live one is not');
    assert.ok(entries.some((e) => (e.state as { id?: string } | undefined)?.id === 'cp/live-1'));

    // Rounds every 200 ms: they must leave the finished rollouts alone (settled at the checkpoint).
    const restoredEngine = engine();
    const restored = await startHarness({ bus, store, engine: restoredEngine, config: { ...config, DETECTOR_EVALUATION_INTERVAL_MS: 200 } });
    try {
      for (let round = 0; round < 3; round++) await restored.detector.tick();
      assert.equal(dormant(restoredEngine), finished.length, 'settled finished rollouts stay packed through the rounds');
      for (const r of finished) assert.equal(restored.detector.tracker.latest(r), undefined, `${r}: not judged by the rounds`);
      for (const r of [...finished, ...live]) {
        const verdict = (await (await fetch(`${restored.url}/api/v1/rollouts/${encodeURIComponent(r)}/verdict`)).json()) as { decision: string; score: number; sequence: number };
        assert.deepEqual([verdict.decision, verdict.score, verdict.sequence], [before.get(r)!.decision, before.get(r)!.score, before.get(r)!.sequence], `${r}: same verdict on demand, nothing re-published`);
        const answer = await fetch(`${restored.url}/api/v1/rollouts/${encodeURIComponent(r)}/series`);
        assert.equal(answer.status, 200, r);
        assert.deepEqual(await answer.json(), series.get(r), `${r}: /series as before the restart`);
      }
      assert.equal(dormant(restoredEngine), 0, 'reading them unpacked them');
    } finally {
      await restored.close();
    }

    // Control: without the checkpoint's list of settled rollouts, the rounds judge the finished ones.
    for (const hit of (await store.search(INDICES.checkpoints, { size: 10 })).hits) await store.put(INDICES.checkpoints, [{ ...hit, id: String(hit.id), settled: [] }]);
    const controlEngine = engine();
    const control = await startHarness({ bus, store, engine: controlEngine, config: { ...config, DETECTOR_EVALUATION_INTERVAL_MS: 200 } });
    try {
      await waitUntil('the rounds judged the finished rollouts', () => finished.every((r) => control.detector.tracker.latest(r)));
      assert.equal(dormant(controlEngine), 0);
    } finally {
      await control.close();
    }
  });

  it('writes a quiet partition again once its rollouts settle, listing them settled and packed', async () => {
    const bus = new MemoryBus(1);
    const store = new MemoryStore();
    let clock = Date.now();
    const e = engine();
    const replica = await startHarness({ bus, store, engine: e, config: { DETECTOR_CHECKPOINT_INTERVAL_MS: 0 }, now: () => clock });
    try {
      const events = crashLoop('cp/quiet', 3);
      await publishEvents(bus, events);
      await waitUntil('events consumed', async () => (await store.count(INDICES.events, {})) === events.length);
      await waitUntil('judged', () => replica.detector.tracker.latest('cp/quiet'));
      assert.equal(await replica.detector.checkpoint(), 1);
      const read = async () => (await store.search(INDICES.checkpoints, { size: 1 })).hits[0]!;
      assert.deepEqual((await read()).settled, [], 'live at the first checkpoint');
      assert.equal(await replica.detector.checkpoint(), 0, 'nothing new: not written again');
      clock += 3_600_000; // an hour later: past its horizon
      await replica.detector.tick();
      assert.equal(replica.detector.tracker.settled('cp/quiet'), true);
      assert.equal(await replica.detector.checkpoint(), 1, 'settled since: written again, though no event came');
      const doc = await read();
      assert.deepEqual(doc.settled, ['cp/quiet']);
      assert.ok((JSON.parse(String(doc.snapshot)) as { rollouts: Record<string, unknown>[] }).rollouts.every((r) => typeof r.json === 'string'), 'packed in the checkpoint');
      assert.equal((e as unknown as { dormantRollouts(): number }).dormantRollouts(), 1, 'and in memory');
      assert.equal(await replica.detector.checkpoint(), 0);
    } finally {
      await replica.close();
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

  it('packs the rollouts finished at packFinishedAt, and says version 3 whichever chunk held them', async () => {
    const e = engine();
    const ids = Array.from({ length: 60 }, (_, i) => `chunk/p-${String(i).padStart(2, '0')}`);
    const old = (r: string) => crashLoop(r, 1).map((input) => ({ ...input, time: new Date(Date.parse(String(input.time)) - 3 * 3_600_000).toISOString() }));
    // Only the first rollout finished: with chunks of 16 and more, the last chunk holds none.
    const inputs = ids.flatMap((r, i) => (i === 0 ? old(r) : crashLoop(r, 1)));
    e.ingest(inputs.map((input) => {
      const parsed = parseEvent(input);
      assert.ok(parsed.ok);
      return parsed.event;
    }));
    const doc = JSON.parse(await chunkedSnapshot(e, ids, { packFinishedAt: Date.now() })) as { version: number; rollouts: Record<string, unknown>[] };
    assert.equal(doc.version, 3);
    assert.deepEqual(doc.rollouts.filter((r) => 'json' in r).length, 1);
    assert.ok(doc.rollouts.every((r, i) => ('json' in r) === (i === 0)), 'only the finished rollout is packed');
    assert.deepEqual(doc, JSON.parse(JSON.stringify(e.snapshot(ids, { packFinishedAt: Date.now() }))));
  });
});

describe('packPaced', () => {
  it('packs every rollout, a slice at a time, and lets the event loop run in between', async () => {
    const seen: string[] = [];
    const slow = {
      pack(rollouts: Iterable<string>): number {
        const until = performance.now() + 3; // serialising a slice takes a few milliseconds
        while (performance.now() < until);
        const list = [...rollouts];
        seen.push(...list);
        return list.filter((r) => !r.endsWith('-live')).length;
      },
    };
    const ids = Array.from({ length: 400 }, (_, i) => `r-${i}${i % 10 === 0 ? '-live' : ''}`);
    let turns = 0;
    const ticker = setInterval(() => turns++, 1);
    try {
      assert.equal(await packPaced(slow, ids, Date.now()), 360);
    } finally {
      clearInterval(ticker);
    }
    assert.deepEqual(seen, ids, 'every rollout, in order, once');
    assert.ok(turns >= 2, `timers ran while packing (${turns})`);
  });
});
