import { test } from 'node:test';
import assert from 'node:assert/strict';
import { INDICES, MemoryBus, dlqEnvelopeSchema, MemoryStore, RejectedError, TOPICS, UnavailableError, createLogger, createRegistry, parseEvent, type RollwatchEventInput, type StoreDoc } from '@rollwatch/core';
import { createDetectorMetrics } from '../metrics.js';
import { FakeEngine } from '../testing/fake-engine.js';
import { VerdictTracker } from './tracker.js';

/** The embedded store, except that it refuses some documents the way Elasticsearch does. */
class RefusingStore extends MemoryStore {
  constructor(private readonly refuse: (index: string, doc: StoreDoc) => Error | undefined) {
    super();
  }
  override async put(index: string, docs: StoreDoc[]): Promise<void> {
    for (const doc of docs) {
      const error = this.refuse(index, doc);
      if (error) throw error;
    }
    await super.put(index, docs);
  }
}

function setup(store: MemoryStore) {
  const engine = new FakeEngine({ minEvents: 1, crashLimit: 1 });
  const bus = new MemoryBus(1);
  const tracker = new VerdictTracker({
    engine,
    bus,
    store,
    logger: createLogger('tracker-test', 'silent'),
    metrics: createDetectorMetrics(createRegistry('detector')),
    minScoreDelta: 1,
    labelsFor: () => undefined,
    loadLast: async () => undefined,
    consumer: 'rollwatch-detector',
    retry: { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 1 },
  });
  const feed = (input: RollwatchEventInput[]) =>
    engine.ingest(
      input.map((e) => {
        const parsed = parseEvent(e);
        if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
        return parsed.event;
      }),
    );
  return { engine, bus, tracker, feed };
}

const crash = (rollout: string, i: number): RollwatchEventInput => ({ time: new Date(Date.now() - 10_000 + i).toISOString(), rollout, group: 'canary', type: 'container_restart', instance: 'c-1', exitCode: 1 });

test('a verdict the store refuses for good is dead-lettered with the reason, still published, and the next rollout is judged', async () => {
  const store = new RefusingStore((index, doc) => (index === INDICES.verdicts && doc.rollout === 'bad' ? new RejectedError('elasticsearch bulk: 1/1 rejected; first: 400 document_parsing_exception', { status: 400 }) : undefined));
  const { bus, tracker, feed } = setup(store);
  tracker.claim('bad');
  tracker.claim('good');
  feed([crash('bad', 1), crash('bad', 2), crash('good', 1), crash('good', 2)]);
  const changed = await tracker.evaluate(['bad', 'good']);
  assert.deepEqual(changed.map((v) => v.rollout), ['bad', 'good']);
  const letters: string[] = [];
  const verdicts: string[] = [];
  const subs = [
    await bus.subscribe({ topics: [TOPICS.dlq], groupId: 'dlq', fromBeginning: true, handler: async (b) => void letters.push(...b.map((m) => m.value)) }),
    await bus.subscribe({ topics: [TOPICS.verdicts], groupId: 'v', fromBeginning: true, handler: async (b) => void verdicts.push(...b.map((m) => m.key)) }),
  ];
  const end = Date.now() + 2000;
  while ((letters.length < 1 || verdicts.length < 2) && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
  for (const s of subs) await s.stop();
  assert.deepEqual(verdicts.sort(), ['bad', 'good'], 'both verdicts published');
  assert.equal(letters.length, 1);
  const letter = dlqEnvelopeSchema.parse(JSON.parse(letters[0]!));
  assert.ok(letter.type === 'rollwatch.dlq.document.v1');
  assert.equal(letter.source, 'detector');
  assert.equal(letter.index, INDICES.verdicts);
  assert.equal(letter.id, 'bad:1');
  assert.equal(letter.consumer, 'rollwatch-detector');
  assert.match(letter.error, /store rejected the document: .*document_parsing_exception/);
  assert.equal((JSON.parse(letter.value) as { decision: string }).decision, 'no-go');
  assert.equal(await store.get(INDICES.verdicts, 'bad:1'), undefined);
  assert.ok(await store.get(INDICES.verdicts, 'good:1'));
});

test('a transient store failure is not dead-lettered: evaluate throws so the batch comes back', async () => {
  let down = true;
  const store = new RefusingStore((index) => (index === INDICES.verdicts && down ? new UnavailableError('elasticsearch bulk failed (503)') : undefined));
  const { bus, tracker, feed } = setup(store);
  tracker.claim('r');
  feed([crash('r', 1), crash('r', 2)]);
  await assert.rejects(tracker.evaluate(['r']), /503/);
  down = false;
  const [verdict] = await tracker.evaluate(['r']);
  assert.equal(verdict?.sequence, 1, 'the same sequence once the store is back (none was skipped)');
  const letters: string[] = [];
  const sub = await bus.subscribe({ topics: [TOPICS.dlq], groupId: 'dlq', fromBeginning: true, handler: async (b) => void letters.push(...b.map((m) => m.value)) });
  await new Promise((r) => setTimeout(r, 100));
  await sub.stop();
  assert.deepEqual(letters, []);
});

/**
 * A tracker on a fake engine with a settable wall clock, where "old" is history past its horizon
 * (always judged at 500_000) and every other rollout is judged at the wall clock.
 */
function trackerWithFrozenHistory(): { engine: FakeEngine; tracker: VerdictTracker; advance: (ms: number) => void } {
  const engine = new FakeEngine({ minEvents: 1, crashLimit: 5 });
  let wall = 1_000_000;
  const frozen = new Set(['old']);
  const tracker = new VerdictTracker({
    engine,
    bus: new MemoryBus(1),
    store: new MemoryStore(),
    logger: createLogger('tracker-test', 'silent'),
    metrics: createDetectorMetrics(createRegistry('detector')),
    minScoreDelta: 1,
    labelsFor: () => undefined,
    loadLast: async () => undefined,
    now: () => wall,
    evaluationTime: (rollout, now) => (frozen.has(rollout) ? 500_000 : now),
  });
  return { engine, tracker, advance: (ms) => (wall += ms) };
}

test('due: a rollout evaluated at a time that stopped moving is settled until invalidated; live ones stay due, most overdue first', async () => {
  const { engine, tracker, advance } = trackerWithFrozenHistory();
  for (const r of ['old', 'live', 'new']) {
    const parsed = parseEvent(crash(r, 1));
    assert.ok(parsed.ok);
    engine.ingest([parsed.event]);
  }
  await tracker.evaluate(['old', 'live']);
  advance(10_000);
  assert.deepEqual(tracker.due(['old', 'live', 'new'], 5_000), ['new', 'live'], 'never evaluated first; settled "old" skipped');
  const before = engine.evaluations;
  await tracker.evaluate(tracker.due(['old', 'live', 'new'], 5_000));
  assert.equal(engine.evaluations - before, 2);
  tracker.invalidate('old');
  advance(10_000);
  assert.deepEqual(tracker.due(['old', 'live', 'new'], 5_000).sort(), ['live', 'new', 'old']);
  // Evaluated within maxAge: not due, frozen or not.
  assert.deepEqual(tracker.due(['old', 'live', 'new'], 60_000), []);
});

test('restoreSettled: a restored rollout settled at its checkpoint is not due and not evaluated, until invalidated; a live one is never marked', async () => {
  const { engine, tracker, advance } = trackerWithFrozenHistory();
  assert.equal(tracker.settled('old'), false, 'never evaluated: not settled');
  assert.equal(tracker.restoreSettled(['old', 'live']), 1, 'only a rollout whose evaluation time stopped moving is marked');
  assert.equal(tracker.settled('old'), true);
  assert.equal(tracker.settled('live'), false);
  advance(60_000);
  const before = engine.evaluations;
  assert.deepEqual(tracker.due(['old', 'live'], 5_000), ['live']);
  assert.equal(engine.evaluations, before, 'marking evaluates nothing');
  assert.equal(tracker.latest('old'), undefined, 'a read evaluates it on demand');
  tracker.invalidate('old');
  assert.deepEqual(tracker.due(['old', 'live'], 5_000).sort(), ['live', 'old']);
});

test('evaluateFor: a round is cut into turns of the serial queue, and a consumer batch queued meanwhile runs before the round ends', async () => {
  /** An engine whose evaluation takes ~2 ms, so a round over 200 rollouts takes ~400 ms. */
  class SlowEngine extends FakeEngine {
    override evaluate(rollout: string, atMs?: number) {
      const end = performance.now() + 2;
      while (performance.now() < end);
      return super.evaluate(rollout, atMs);
    }
  }
  const engine = new SlowEngine({ minEvents: 1, crashLimit: 5 });
  const tracker = new VerdictTracker({ engine, bus: new MemoryBus(1), store: new MemoryStore(), logger: createLogger('tracker-test', 'silent'), metrics: createDetectorMetrics(createRegistry('detector')), minScoreDelta: 1, labelsFor: () => undefined, loadLast: async () => undefined });
  const rollouts = Array.from({ length: 200 }, (_, i) => `r-${i}`);
  for (const r of [...rollouts, 'consumed']) {
    const parsed = parseEvent(crash(r, 1));
    assert.ok(parsed.ok);
    engine.ingest([parsed.event]);
  }
  const order: string[] = [];
  const round = (async () => {
    let next = 0;
    let turns = 0;
    while (next < rollouts.length) {
      next = await tracker.evaluateFor(rollouts, next, 20);
      turns++;
    }
    order.push('round done');
    return turns;
  })();
  await new Promise((resolve) => setImmediate(resolve));
  const consumed = tracker.evaluate(['consumed']).then(() => order.push('consumer batch'));
  const turns = await round;
  await consumed;
  assert.ok(turns > 1, `the round took ${turns} turns`);
  assert.deepEqual(order, ['consumer batch', 'round done']);
  assert.ok(tracker.latest('r-199'), 'every rollout of the round was evaluated');
});
