import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createLogger, ElasticsearchStore, INDICES, MemoryStore, parseEvent, type Store, type StoreDoc } from '@rollwatch/core';
import { crashLoopEvents, ensureElasticsearch, type ElasticsearchServer } from '@rollwatch/testkit';
import { createDefaultEngine } from '../engine.js';
import { rebuildFromStore } from './rebuild.js';
import { SpecRegistry } from './specs.js';

/**
 * The detector's restart path reads `rollwatch-events` across all its backing indices: events are
 * written in three slices with a rollover after each (the `rollwatch` lifecycle with a tiny
 * max_primary_shard_docs, on the test kit's real Elasticsearch), one slice replayed after a rollover
 * (duplicates in another backing index), and the rebuilt engine must equal one rebuilt from an
 * in-memory store that holds each event once.
 */
describe('rebuild from a rolled-over events data stream', { timeout: 180_000 }, () => {
  let es: ElasticsearchServer;
  let store: ElasticsearchStore;
  const prefix = `rb-${randomUUID().slice(0, 8)}-`;
  before(async () => {
    es = await ensureElasticsearch();
    store = new ElasticsearchStore({
      url: es.url,
      prefix,
      refreshOnWrite: true,
      storage: { replicas: { events: 0, anomalies: 0, actions: 0, verdicts: 0, rollouts: 0, silences: 0, checkpoints: 0 }, rollover: { maxAge: '30d', maxPrimaryShardSize: '50gb', maxPrimaryShardDocs: 4 }, lifecyclePollMs: 3_600_000 },
    });
    await store.ensureIndices();
  });
  after(async () => {
    await store?.close();
    await es?.stop();
  });

  async function rebuilt(from: Store) {
    const engine = createDefaultEngine({ DETECTOR_POLICY_FILE: undefined, DETECTOR_DEFAULT_POLICY: undefined });
    const report = await rebuildFromStore({ engine, store: from, specs: new SpecRegistry(from), logger: createLogger('rebuild-it', 'silent'), sinceMs: Date.now() - 3_600_000, maxEvents: 10_000, pageSize: 3 });
    return { report, rollouts: engine.rollouts(), verdict: engine.evaluate(report.rollouts[0]!) };
  }

  it('loads every event once from three backing indices and reaches the same verdict as a single copy', async () => {
    const rollout = `rb-${randomUUID().slice(0, 6)}/checkout`;
    const events = crashLoopEvents(rollout, 8).map((input) => {
      const parsed = parseEvent(input);
      assert.ok(parsed.ok);
      return parsed.event as unknown as StoreDoc;
    });
    const slices = [events.slice(0, 4), events.slice(4, 8), events.slice(8)];
    for (const slice of slices) {
      await store.put(INDICES.events, slice);
      await store.runLifecycle();
    }
    await store.put(INDICES.events, slices[0]!); // replayed after two rollovers: second copies
    const resolved = await store.client.indices.resolveIndex({ name: `${prefix}${INDICES.events}` });
    assert.ok((resolved.data_streams[0]!.backing_indices as string[]).length >= 3, 'spread over at least three backing indices');

    const memory = new MemoryStore();
    await memory.put(INDICES.events, events);
    const [fromEs, fromMemory] = await Promise.all([rebuilt(store), rebuilt(memory)]);
    assert.equal(fromEs.report.events, events.length, 'each event loaded once despite the duplicates');
    assert.deepEqual(fromEs.rollouts, fromMemory.rollouts);
    assert.equal(fromEs.verdict.decision, 'no-go');
    assert.deepEqual(fromEs.verdict, fromMemory.verdict);
  });
});
