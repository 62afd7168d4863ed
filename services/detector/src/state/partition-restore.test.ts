import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { closeServer, createLogger, createRegistry, INDICES, listen, MemoryBus, MemoryStore, TOPICS, verdictSchema, type Store } from '@rollwatch/core';
import { createDetector } from '../detector.js';
import { GATE_STATUS } from '../http/rollouts.js';
import { FakeEngine } from '../testing/fake-engine.js';
import { collect, crashLoop, publishEvents, startHarness, testConfig, waitUntil } from '../testing/harness.js';
import { crashLoopEvents } from '@rollwatch/testkit';
import { splitRestoredForEvaluation } from './restore-evaluation.js';

/** A fake engine whose verdicts stop moving a minute after a rollout's last event, and which records what it judges. */
class FiniteHorizonEngine extends FakeEngine {
  readonly judged: string[] = [];
  override evaluationHorizonMs(): number {
    return 60_000;
  }
  override evaluate(rollout: string, atMs?: number): ReturnType<FakeEngine['evaluate']> {
    this.judged.push(rollout);
    return super.evaluate(rollout, atMs);
  }
}

/** The store, with lookups of stored verdicts held until `release()` (the restore's last step). */
function gatedStore(store: MemoryStore): { store: Store; release: () => void; held: () => boolean } {
  let release: () => void = () => undefined;
  let held = false;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const search: Store['search'] = async (index, query) => {
    if (index === INDICES.verdicts) {
      held = true;
      await gate;
    }
    return store.search(index, query);
  };
  return { store: Object.assign(Object.create(store) as Store, { search }), release, held: () => held };
}

describe('partition-owned state', () => {
  it('an assigned partition is restored from its stored events before consuming; meanwhile its rollouts answer pending ("restoring"); revoke drops them', async () => {
    const bus = new MemoryBus(2);
    const memory = new MemoryStore();
    const first = await startHarness({ bus, store: memory });
    const verdicts = await collect(bus, TOPICS.verdicts);
    await publishEvents(bus, crashLoop('owned/r1'));
    const noGo = await waitUntil('no-go', () => first.detector.tracker.latest('owned/r1')?.decision === 'no-go' && first.detector.tracker.latest('owned/r1'));
    await first.close();
    const stored = (await memory.search(INDICES.events, { filters: { rollout: 'owned/r1' }, size: 100 })).hits;
    assert.ok(stored.length > 0 && stored.every((e) => typeof e.partition === 'number'), 'events are stored with their partition');

    // A new replica (same group: nothing left to consume) gets every partition and restores them.
    const gated = gatedStore(memory);
    const detector = createDetector({ config: testConfig(), bus, store: gated.store, engine: new FakeEngine(), logger: createLogger('t', 'silent'), registry: createRegistry('detector') });
    const { server } = await listen(detector.app, 0, '127.0.0.1');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/rollouts/owned%2Fr1`;
    const starting = detector.start();
    try {
      await waitUntil('restore reached its last step', () => gated.held());
      const pending = (await (await fetch(`${url}/verdict`)).json()) as { decision: string; reasons: { signal: string }[] };
      assert.equal(pending.decision, 'pending');
      assert.equal(pending.reasons[0]!.signal, 'restoring');
      assert.equal((await fetch(`${url}/gate`)).status, GATE_STATUS.pending);
      assert.equal((await fetch(`${url}/series`)).status, 503);
      gated.release();
      await starting;
      const restored = verdictSchema.parse(await (await fetch(`${url}/verdict`)).json());
      assert.equal(restored.decision, 'no-go');
      assert.equal(restored.sequence, noGo.sequence, 'same state, so nothing new was published');
      const published = verdicts.messages.filter((m) => m.key === 'owned/r1').map((m) => verdictSchema.parse(JSON.parse(m.value)).sequence);
      assert.deepEqual(published, Array.from({ length: published.length }, (_, i) => i + 1), 'one writer: gap-free, no repeats');
    } finally {
      gated.release();
      await starting.catch(() => undefined);
      await detector.stop();
      await closeServer(server);
      await verdicts.stop();
    }
    // Stopping revokes every partition: the rollout is no longer this replica's.
    assert.equal(detector.tracker.latest('owned/r1'), undefined);
  });

  it('judges only the restored rollouts whose verdict can still move before releasing the partition; finished ones settled at the checkpoint are left to the first read', async () => {
    const bus = new MemoryBus(2);
    const memory = new MemoryStore();
    const first = await startHarness({ bus, store: memory, engine: new FiniteHorizonEngine() });
    await publishEvents(bus, crashLoop('done/r1')); // its last event was 2 minutes ago: past the horizon
    await publishEvents(bus, crashLoopEvents('live/r1', 4, Date.now() + 110_000)); // last event seconds ago
    const before = await waitUntil('both judged', () => first.detector.tracker.latest('done/r1')?.decision === 'no-go' && first.detector.tracker.latest('live/r1')?.decision === 'no-go' && first.detector.tracker.latest('done/r1'));
    await first.close();

    const engine = new FiniteHorizonEngine();
    const second = await startHarness({ bus, store: memory, engine });
    try {
      assert.ok(engine.judged.includes('live/r1'), 'the live rollout is judged before the restore completes');
      assert.ok(!engine.judged.includes('done/r1'), 'the finished one is not');
      const listed = await waitUntil('the finished rollout listed with its published verdict', async () => {
        const body = (await (await fetch(`${second.url}/api/v1/rollouts`)).json()) as { items: { rollout: string; decision: string; sequence: number; location: string }[] };
        return body.items.find((i) => i.rollout === 'done/r1' && i.sequence > 0);
      });
      assert.deepEqual({ decision: listed.decision, sequence: listed.sequence, location: listed.location }, { decision: 'no-go', sequence: before.sequence, location: 'local' });
      // Its verdict was final and published when the first replica checkpointed (on close): the
      // rounds leave it alone, and a read judges it on demand, from the same state.
      await second.detector.tick();
      assert.ok(!engine.judged.includes('done/r1'), 'settled at the checkpoint: the rounds do not judge it again');
      const verdict = (await (await fetch(`${second.url}/api/v1/rollouts/done%2Fr1/verdict`)).json()) as { decision: string; sequence: number };
      assert.ok(engine.judged.includes('done/r1'), 'a read judges it');
      assert.deepEqual([verdict.decision, verdict.sequence], ['no-go', before.sequence], 'same state: nothing new published');
    } finally {
      await second.close();
    }
  });

  it('splits on the horizon: past it deferred, before it or without events judged now', () => {
    const last = new Map<string, number | null>([['past', 1_000], ['edge', 40_000], ['live', 50_000], ['registered', null]]);
    const engine = { lastEventMs: (r: string) => last.get(r) ?? null, evaluationHorizonMs: () => 60_000 };
    assert.deepEqual(splitRestoredForEvaluation(engine, last.keys(), 100_000), { now: ['live', 'registered'], deferred: ['past', 'edge'] });
  });
});
