import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { MemoryBus } from './memory-bus.js';
import type { ConsumedMessage } from './interface.js';

async function until(predicate: () => boolean, timeoutMs = 2000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > end) throw new Error('timed out');
    await sleep(5);
  }
}

test('messages with one key arrive in publish order', async () => {
  const bus = new MemoryBus(4);
  const seen: string[] = [];
  const sub = await bus.subscribe({ topics: ['t'], groupId: 'g', fromBeginning: true, handler: async (batch) => void seen.push(...batch.filter((m) => m.key === 'a').map((m) => m.value)) });
  for (let i = 0; i < 50; i++) await bus.publish('t', [{ key: i % 2 ? 'a' : 'b', value: String(i) }]);
  await until(() => seen.length === 25);
  assert.deepEqual(seen, Array.from({ length: 25 }, (_, i) => String(i * 2 + 1)));
  await sub.stop();
  await bus.close();
});

test('a failing handler gets the same batch again and nothing is skipped', async () => {
  const bus = new MemoryBus(1);
  let failures = 0;
  const delivered: string[] = [];
  await bus.publish('t', [{ key: 'k', value: '1' }, { key: 'k', value: '2' }]);
  const sub = await bus.subscribe({
    topics: ['t'],
    groupId: 'g',
    fromBeginning: true,
    handler: async (batch: ConsumedMessage[]) => {
      if (failures < 2) {
        failures++;
        throw new Error('store down');
      }
      delivered.push(...batch.map((m) => m.value));
    },
  });
  await until(() => delivered.length === 2, 3000);
  assert.deepEqual(delivered, ['1', '2']);
  assert.equal(failures, 2);
  assert.equal(bus.lag('g', 't'), 0);
  await sub.stop();
});

test('groups consume independently; a late group without fromBeginning sees only new messages', async () => {
  const bus = new MemoryBus(2);
  await bus.publish('t', [{ key: 'x', value: 'old' }]);
  const a: string[] = [];
  const b: string[] = [];
  const subA = await bus.subscribe({ topics: ['t'], groupId: 'a', fromBeginning: true, handler: async (m) => void a.push(...m.map((x) => x.value)) });
  const subB = await bus.subscribe({ topics: ['t'], groupId: 'b', handler: async (m) => void b.push(...m.map((x) => x.value)) });
  await bus.publish('t', [{ key: 'x', value: 'new' }]);
  await until(() => a.length === 2 && b.length === 1);
  assert.deepEqual(a, ['old', 'new']);
  assert.deepEqual(b, ['new']);
  await subA.stop();
  await subB.stop();
});

test('publishing after close fails loudly', async () => {
  const bus = new MemoryBus();
  await bus.close();
  await assert.rejects(bus.publish('t', [{ key: 'k', value: 'v' }]), /closed/);
});
