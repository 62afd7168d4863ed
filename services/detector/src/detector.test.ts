import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dlqEnvelopeSchema, INDICES, MemoryBus, MemoryStore, TOPICS, verdictSchema } from '@rollwatch/core';
import { FakeEngine } from './testing/fake-engine.js';
import { collect, crashLoop, event, publishEvents, startHarness, waitUntil } from './testing/harness.js';

describe('detector pipeline (MemoryBus + MemoryStore)', () => {
  it('turns a crash-looping canary no-go, publishes numbered verdicts and stores events once', async () => {
    const h = await startHarness();
    const verdicts = await collect(h.bus, TOPICS.verdicts);
    try {
      const events = crashLoop('shop/checkout');
      await publishEvents(h.bus, events);
      await publishEvents(h.bus, events); // a producer retry: same ids
      const last = await waitUntil('no-go verdict', () => {
        const parsed = verdicts.messages.map((m) => verdictSchema.parse(JSON.parse(m.value)));
        return parsed.find((v) => v.decision === 'no-go');
      });
      assert.equal(last.rollout, 'shop/checkout');
      assert.equal(last.cause, 'release');
      assert.ok(last.noGoAt);
      for (const m of verdicts.messages) assert.equal(m.key, 'shop/checkout');
      const sequences = verdicts.messages.map((m) => (JSON.parse(m.value) as { sequence: number }).sequence);
      assert.deepEqual(sequences, [...sequences].sort((a, b) => a - b));
      assert.equal(new Set(sequences).size, sequences.length, 'sequences are unique');
      await waitUntil('events stored', async () => (await h.store.count(INDICES.events, { filters: { rollout: 'shop/checkout' } })) === events.length);
      const anomalies = await h.store.search(INDICES.anomalies, { filters: { rollout: 'shop/checkout' } });
      assert.equal(anomalies.total, 1);
      assert.equal(anomalies.hits[0]!.signal, 'crash-loop');
      const stored = await h.store.search(INDICES.verdicts, { filters: { rollout: 'shop/checkout' }, sort: [{ field: 'sequence', order: 'desc' }] });
      assert.equal(stored.hits[0]!.id, `shop/checkout:${last.sequence}`);
    } finally {
      await verdicts.stop();
      await h.close();
    }
  });

  it('sends malformed messages to rollwatch.dlq with the error and keeps consuming', async () => {
    const h = await startHarness();
    const dlq = await collect(h.bus, TOPICS.dlq);
    try {
      await publishEvents(h.bus, ['{not json', { rollout: 'r1', grup: 'canary' }, ...crashLoop('r1')]);
      const dead = await waitUntil('two dead letters', () => dlq.messages.length >= 2 && dlq.messages);
      const bodies = dead.map((m) => JSON.parse(m.value) as { error: string; value: string; sourceTopic: string; fields: { field: string }[] });
      for (const body of bodies) assert.equal(dlqEnvelopeSchema.parse(body).type, 'rollwatch.dlq.message.v1', 'the one DLQ envelope');
      // Different keys land on different partitions: find each by content, not by position.
      const notJson = bodies.find((b) => b.value === '{not json');
      assert.ok(notJson);
      assert.match(notJson.error, /not JSON/);
      assert.equal(notJson.sourceTopic, TOPICS.events);
      const typo = bodies.find((b) => b.value.includes('grup'));
      assert.ok(typo?.fields.some((f) => f.field === 'grup'), 'names the unknown field');
      await waitUntil('the valid events behind the bad ones are analysed', () => h.detector.tracker.latest('r1')?.decision === 'no-go');
      const metrics = await (await fetch(`${h.url}/metrics`)).text();
      assert.match(metrics, /rollwatch_detector_dlq_total\{reason="invalid",service="detector"\} 2/);
      assert.match(metrics, /rollwatch_detector_events_consumed_total\{result="stored",service="detector"\} 6/);
      assert.match(metrics, /rollwatch_detector_tracked_rollouts\{service="detector"\} 1/);
      assert.match(metrics, /rollwatch_detector_evaluation_duration_seconds_count/);
    } finally {
      await dlq.stop();
      await h.close();
    }
  });

  it('redelivers a batch while the store is down, then processes it exactly once', async () => {
    const store = new MemoryStore();
    let failures = 3;
    const flaky = Object.create(store) as MemoryStore;
    flaky.put = async (index, docs) => {
      if (index === INDICES.events && failures-- > 0) throw Object.assign(new Error('es down'), { retriable: true });
      return store.put(index, docs);
    };
    const h = await startHarness({ store: flaky });
    try {
      await publishEvents(h.bus, crashLoop('r-flaky'));
      await waitUntil('no-go after recovery', () => h.detector.tracker.latest('r-flaky')?.decision === 'no-go', 15_000);
      assert.equal(await store.count(INDICES.events, { filters: { rollout: 'r-flaky' } }), 6);
    } finally {
      await h.close();
    }
  });

  it('after a restart rebuilds from the store, gives the same verdict, continues sequences, duplicates no anomaly', async () => {
    const store = new MemoryStore();
    // No checkpoint (every engine can restore one now): this restart must rebuild from the stored events.
    const first = await startHarness({ store, config: { DETECTOR_CHECKPOINT_INTERVAL_MS: 0 } });
    await publishEvents(first.bus, crashLoop('r-restart'));
    const before = await waitUntil('no-go', () => first.detector.tracker.latest('r-restart')?.decision === 'no-go' && first.detector.tracker.latest('r-restart'));
    await first.close();
    const anomaliesBefore = await store.count(INDICES.anomalies, {});
    const verdictsBefore = await store.count(INDICES.verdicts, {});

    // A new process: empty engine, a fresh bus that re-delivers the same events (uncommitted offsets).
    const bus = new MemoryBus(2);
    const engine = new FakeEngine();
    const second = await startHarness({ store, bus, engine });
    try {
      assert.equal(second.detector.lastRebuild()?.events, 6);
      const after = second.detector.tracker.latest('r-restart');
      assert.equal(after?.decision, 'no-go');
      assert.equal(after?.score, before.score);
      assert.equal(after?.sequence, before.sequence, 'an unchanged verdict is not re-published');
      await publishEvents(bus, crashLoop('r-restart'));
      await publishEvents(bus, [event({ rollout: 'r-restart', group: 'canary', type: 'container_restart', instance: 'can-1' })]);
      const changed = await waitUntil('score change publishes the next sequence', () => {
        const v = second.detector.tracker.latest('r-restart');
        return v && v.sequence > before.sequence && v;
      });
      assert.equal(changed.sequence, before.sequence + 1);
      assert.equal(await store.count(INDICES.anomalies, {}), anomaliesBefore, 'same anomaly, same id');
      assert.equal(await store.count(INDICES.verdicts, {}), verdictsBefore + 1);
    } finally {
      await second.close();
    }
  });

  it('re-evaluates periodically and evicts rollouts past the retention', async () => {
    let now = Date.now();
    const engine = new FakeEngine();
    const h = await startHarness({ engine, now: () => now, config: { DETECTOR_RETENTION_MS: 60 * 60 * 1000 } });
    try {
      await publishEvents(h.bus, crashLoop('r-old'));
      await waitUntil('tracked', () => h.detector.tracker.latest('r-old'));
      const evaluations = engine.evaluations;
      await h.detector.tick();
      assert.equal(engine.evaluations, evaluations, 'just evaluated by the batch: the timer skips it');
      now += 60_000;
      await h.detector.tick();
      assert.ok(engine.evaluations > evaluations, 'the timer path re-evaluates tracked rollouts');
      now += 2 * 60 * 60 * 1000;
      await h.detector.tick();
      assert.equal(engine.rollouts().length, 0);
      assert.equal(h.detector.tracker.latest('r-old'), undefined);
    } finally {
      await h.close();
    }
  });
});
