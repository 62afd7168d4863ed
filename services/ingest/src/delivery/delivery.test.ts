import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { BackpressureError, createLogger, Registry, UnavailableError, type Bus, type BusMessage, type HealthStatus } from '@rollwatch/core';
import { createIngestMetrics } from '../metrics.js';
import { chunkBySize, Delivery, HEADER_SOURCE, HEADER_TYPE } from './delivery.js';
import { encodeFrames, Spool } from './spool.js';

/** A bus whose availability the test controls (the real-Kafka version is ingest.it.test.ts). */
class ControlledBus implements Bus {
  readonly kind = 'memory' as const;
  readonly published: BusMessage[] = [];
  publishCalls = 0;
  down = false;
  hang = false;
  async publish(_topic: string, messages: BusMessage[]): Promise<void> {
    this.publishCalls++;
    if (this.hang) await new Promise(() => undefined);
    if (this.down) throw new UnavailableError('broker unreachable');
    this.published.push(...messages);
  }
  async subscribe(): Promise<never> {
    throw new Error('not used');
  }
  async health(): Promise<HealthStatus> {
    return { ok: !this.down };
  }
  async close(): Promise<void> {}
}

const msg = (n: number): BusMessage => ({ key: `r${n % 4}`, value: JSON.stringify({ n }), headers: { [HEADER_SOURCE]: 'test', [HEADER_TYPE]: 'log' } });
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => msg(from + i));

async function setup(opts: { maxBytes?: number; maxBatchEvents?: number; publishTimeoutMs?: number; dir?: string } = {}) {
  const bus = new ControlledBus();
  const registry = new Registry();
  const spool = await Spool.open({ dir: opts.dir ?? mkdtempSync(path.join(tmpdir(), 'rw-delivery-')), maxBytes: opts.maxBytes ?? 10 * 1024 * 1024, segmentBytes: 64 * 1024 });
  const metrics = createIngestMetrics(registry, { spool: () => ({ events: spool.events, pendingBytes: spool.pendingBytes, diskBytes: spool.diskBytes, maxBytes: spool.maxBytes }), sources: () => [] });
  const delivery = new Delivery({
    bus,
    topic: 'rollwatch.events',
    spool,
    logger: createLogger('test', 'silent'),
    metrics,
    maxBatchEvents: opts.maxBatchEvents ?? 100,
    maxWaitMs: 2,
    publishTimeoutMs: opts.publishTimeoutMs ?? 1000,
    drainRetry: { initialDelayMs: 5, maxDelayMs: 20 },
  });
  delivery.start();
  return { bus, spool, delivery, registry };
}

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await sleep(5);
  }
}

async function counter(registry: Registry, name: string): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  return (metric?.values ?? []).reduce((sum, v) => sum + (v.value as number), 0);
}

describe('Delivery', () => {
  it('micro-batches concurrent submissions into few publishes, in order', async () => {
    const { bus, delivery, spool } = await setup({ maxBatchEvents: 50 });
    await Promise.all(Array.from({ length: 40 }, (_, i) => delivery.submit(range(i * 5, i * 5 + 5))));
    assert.deepEqual(bus.published, range(0, 200));
    assert.ok(bus.publishCalls <= 8, `expected batching, got ${bus.publishCalls} publishes for 40 requests`);
    await delivery.stop(100);
    await spool.close();
  });

  it('grows batches (up to 4x the flush size) while requests queue behind a publish, in order', async () => {
    const { bus, delivery, spool } = await setup({ maxBatchEvents: 10 });
    const sizes: number[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const publish = bus.publish.bind(bus);
    bus.publish = async (topic, messages) => {
      sizes.push(messages.length);
      if (sizes.length === 1) await gate; // the first publish is slow: a backlog builds behind it
      return publish(topic, messages);
    };
    const first = delivery.submit(range(0, 10));
    await waitFor(() => sizes.length === 1);
    const rest = Array.from({ length: 10 }, (_, i) => delivery.submit(range(10 + i * 10, 20 + i * 10)));
    release();
    await Promise.all([first, ...rest]);
    assert.deepEqual(bus.published, range(0, 110));
    assert.deepEqual(sizes, [10, 40, 40, 20]);
    await delivery.stop(100);
    await spool.close();
  });

  it('spools while the bus is down, keeps accepting, and replays in order when it returns', async () => {
    const { bus, delivery, spool, registry } = await setup();
    await delivery.submit(range(0, 10));
    bus.down = true;
    await delivery.submit(range(10, 20));
    await delivery.submit(range(20, 30));
    assert.equal(spool.events, 20);
    assert.equal(delivery.state().mode, 'spooling');
    assert.match(delivery.state().lastPublishError ?? '', /broker unreachable/);
    bus.down = false;
    // New events queue behind the spool, so per-rollout order holds.
    const late = delivery.submit(range(30, 35));
    await late;
    await waitFor(() => spool.isEmpty() && bus.published.length === 35);
    assert.deepEqual(bus.published, range(0, 35));
    assert.equal(delivery.state().mode, 'direct');
    assert.equal(await counter(registry, 'rollwatch_ingest_events_produced_total'), 35);
    assert.equal(await counter(registry, 'rollwatch_ingest_events_spooled_total'), 25);
    await delivery.stop(100);
    await spool.close();
  });

  it('answers BackpressureError when the spool is full, and accepts again after the drain', async () => {
    const frame = encodeFrames(range(0, 10)).length;
    const { bus, delivery, spool } = await setup({ maxBytes: frame * 2 + 10 });
    bus.down = true;
    await delivery.submit(range(0, 10));
    await delivery.submit(range(10, 20));
    await assert.rejects(delivery.submit(range(20, 30)), BackpressureError);
    assert.equal(delivery.state().spool.full, true);
    bus.down = false;
    await waitFor(() => spool.isEmpty());
    await delivery.submit(range(20, 30));
    assert.deepEqual(bus.published, range(0, 30));
    await delivery.stop(100);
    await spool.close();
  });

  it('treats a publish that hangs past the timeout as failed and spools the batch', async () => {
    const { bus, delivery, spool } = await setup({ publishTimeoutMs: 50 });
    bus.hang = true;
    const started = Date.now();
    await delivery.submit(range(0, 3));
    assert.ok(Date.now() - started < 1000);
    assert.equal(spool.events, 3);
    await delivery.stop(0);
    await spool.close();
  });

  /** Makes the bus's next publish wait for `release(true)` (then land) or `release(false)` (then fail). */
  function holdNextPublish(bus: ControlledBus): { held: () => boolean; release: (land: boolean) => void } {
    const publish = bus.publish.bind(bus);
    let settle: (land: boolean) => void = () => undefined;
    let held = false;
    const gate = new Promise<boolean>((resolve) => (settle = resolve));
    bus.publish = async (topic, messages) => {
      bus.publish = publish;
      held = true;
      bus.publishCalls++;
      if (!(await gate)) throw new UnavailableError('broker unreachable');
      bus.published.push(...messages);
    };
    return { held: () => held, release: (land) => settle(land) };
  }

  it('a timed-out publish that lands later is acknowledged in the spool, not replayed (no copies)', async () => {
    const { bus, delivery, spool, registry } = await setup({ publishTimeoutMs: 30 });
    const slow = holdNextPublish(bus);
    await delivery.submit(range(0, 5)); // times out: spooled, still in flight
    assert.equal(spool.events, 5);
    await delivery.submit(range(5, 8)); // queues behind it, in the spool
    assert.equal(spool.events, 8);
    await sleep(50); // the drainer must wait for the outcome instead of replaying
    assert.equal(bus.publishCalls, 1, 'nothing replayed while the timed-out publish may still land');
    slow.release(true);
    await waitFor(() => spool.isEmpty());
    assert.deepEqual(bus.published, range(0, 8), 'each message exactly once, in order');
    assert.equal(bus.publishCalls, 2);
    assert.equal(await counter(registry, 'rollwatch_ingest_events_produced_total'), 8);
    await delivery.submit(range(8, 10));
    assert.deepEqual(bus.published, range(0, 10), 'publishing directly again');
    await delivery.stop(100);
    await spool.close();
  });

  it('a timed-out publish that fails later is replayed from the spool, once', async () => {
    const { bus, delivery, spool } = await setup({ publishTimeoutMs: 30 });
    const slow = holdNextPublish(bus);
    await delivery.submit(range(0, 5));
    await delivery.submit(range(5, 7));
    slow.release(false);
    await waitFor(() => spool.isEmpty());
    assert.deepEqual(bus.published, range(0, 7));
    await delivery.stop(100);
    await spool.close();
  });

  it('a replay that times out and lands later is not replayed again', async () => {
    const { bus, delivery, spool } = await setup({ publishTimeoutMs: 30 });
    bus.down = true;
    await delivery.submit(range(0, 4));
    const slow = holdNextPublish(bus);
    bus.down = false;
    await waitFor(slow.held);
    await sleep(100); // well past the timeout and several backoff delays
    assert.equal(bus.publishCalls, 2, 'the replay is not sent again while it may still land');
    slow.release(true);
    await waitFor(() => spool.isEmpty());
    assert.deepEqual(bus.published, range(0, 4));
    await delivery.stop(100);
    await spool.close();
  });

  it('a publish still in flight at shutdown stays in the spool for the next run', async () => {
    const { bus, delivery, spool } = await setup({ publishTimeoutMs: 30 });
    holdNextPublish(bus);
    await delivery.submit(range(0, 3));
    await delivery.stop(50);
    assert.equal(spool.events, 3, 'unknown outcome: kept (the next run replays it)');
    await spool.close();
  });

  it('replays what a previous run left in the spool on start', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rw-delivery-'));
    const first = await setup({ dir });
    first.bus.down = true;
    await first.delivery.submit(range(0, 7));
    await first.delivery.stop(0);
    await first.spool.close();

    const second = await setup({ dir });
    await waitFor(() => second.spool.isEmpty() && second.bus.published.length === 7);
    assert.deepEqual(second.bus.published, range(0, 7));
    await second.delivery.stop(100);
    await second.spool.close();
  });

  it('on stop, flushes queued requests and drains within the timeout', async () => {
    const { bus, delivery, spool } = await setup();
    bus.down = true;
    await delivery.submit(range(0, 4));
    bus.down = false;
    const pending = delivery.submit(range(4, 6));
    await delivery.stop(2000);
    await pending;
    assert.deepEqual(bus.published, range(0, 6));
    await assert.rejects(delivery.submit(range(6, 7)), UnavailableError);
    await spool.close();
  });

  it('chunkBySize keeps order and never splits below one message', () => {
    const messages = [...range(0, 5), { key: 'k', value: 'z'.repeat(1000) }, ...range(5, 7)];
    const chunks = chunkBySize(messages, 300);
    assert.deepEqual(chunks.flat(), messages);
    assert.ok(chunks.some((c) => c.length === 1 && c[0]!.value.length === 1000));
    assert.ok(chunks.every((c) => c.length > 0));
  });
});
