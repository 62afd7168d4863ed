import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { RejectedError, TOPICS, UnavailableError, dlqEnvelopeSchema, isPermanent, isPermanentStatus } from '@rollwatch/contract';
import { consumeWithDeadLetters } from './dead-letter.js';
import type { BusMessage, ConsumedMessage } from './interface.js';
import { MemoryBus } from './memory-bus.js';

const message = (offset: number, value: string): ConsumedMessage => ({ topic: 't', partition: 0, offset: String(offset), key: 'k', value });

test('only the data\'s own faults are permanent: 400/413/414/422; 401/403/404/408/429/5xx are retried', () => {
  assert.deepEqual([400, 413, 414, 422].map(isPermanentStatus), [true, true, true, true]);
  assert.deepEqual([401, 403, 404, 408, 409, 429, 500, 503].map(isPermanentStatus), [false, false, false, false, false, false, false, false]);
  assert.equal(isPermanent(new RejectedError('mapper_parsing_exception', { status: 400 })), true);
  assert.equal(isPermanent(new UnavailableError('es down')), false);
  // A library's plain Error is not known to be permanent: retried, never discarded on a guess.
  assert.equal(isPermanent(new Error('socket hang up')), false);
});

test('a permanent failure dead-letters only the message that causes it, with the reason; the rest is handled', async () => {
  const handled: string[] = [];
  const dead: BusMessage[] = [];
  const done = await consumeWithDeadLetters([message(1, 'ok-1'), message(2, 'poison'), message(3, 'ok-3')], {
    source: 'detector',
    consumer: 'g',
    handler: async (batch) => {
      if (batch.some((m) => m.value === 'poison')) throw new RejectedError('elasticsearch bulk: 1/1 rejected; first: 400 mapper_parsing_exception', { status: 400 });
      handled.push(...batch.map((m) => m.value));
    },
    deadLetter: async (messages) => void dead.push(...messages),
    active: () => true,
    backoffMs: () => 1,
  });
  assert.equal(done, true);
  assert.deepEqual(handled, ['ok-1', 'ok-3']);
  assert.equal(dead.length, 1);
  const letter = dlqEnvelopeSchema.parse(JSON.parse(dead[0]!.value));
  assert.ok(letter.type === 'rollwatch.dlq.message.v1');
  assert.equal(letter.source, 'detector');
  assert.equal(letter.offset, '2');
  assert.equal(letter.value, 'poison');
  assert.equal(letter.consumer, 'g');
  assert.match(letter.error, /permanent failure, dead-lettered: .*mapper_parsing_exception/);
  assert.match(dead[0]!.headers!['rollwatch-error']!, /mapper_parsing_exception/);
});

test('a transient failure retries the same batch until it succeeds and dead-letters nothing', async () => {
  let calls = 0;
  const dead: BusMessage[] = [];
  const done = await consumeWithDeadLetters([message(1, 'a'), message(2, 'b')], {
    source: 'detector',
    consumer: 'g',
    handler: async (batch) => {
      calls++;
      assert.equal(batch.length, 2);
      if (calls < 4) throw calls % 2 ? new UnavailableError('elasticsearch bulk failed (429)') : new Error('ECONNRESET');
    },
    deadLetter: async (messages) => void dead.push(...messages),
    active: () => true,
    backoffMs: () => 1,
  });
  assert.equal(done, true);
  assert.equal(calls, 4);
  assert.equal(dead.length, 0);
});

test('stopping while a transient failure is retried gives up without claiming the batch done', async () => {
  let active = true;
  const run = consumeWithDeadLetters([message(1, 'a')], {
    source: 'detector',
    consumer: 'g',
    handler: async () => {
      throw new UnavailableError('down');
    },
    deadLetter: async () => undefined,
    active: () => active,
    backoffMs: () => 5,
  });
  await sleep(20);
  active = false;
  assert.equal(await run, false);
});

test('MemoryBus: a poison message lands on rollwatch.dlq and later messages of its partition are processed', async () => {
  const bus = new MemoryBus(1);
  const handled: string[] = [];
  const letters: string[] = [];
  await bus.publish('t', [{ key: 'k', value: '1' }, { key: 'k', value: 'poison' }, { key: 'k', value: '3' }]);
  const dlq = await bus.subscribe({ topics: [TOPICS.dlq], groupId: 'dlq-reader', fromBeginning: true, handler: async (batch) => void letters.push(...batch.map((m) => m.value)) });
  const sub = await bus.subscribe({
    topics: ['t'],
    groupId: 'g',
    fromBeginning: true,
    handler: async (batch) => {
      if (batch.some((m) => m.value === 'poison')) throw new RejectedError('document too large', { status: 413 });
      handled.push(...batch.map((m) => m.value));
    },
  });
  await bus.publish('t', [{ key: 'k', value: '4' }]);
  const end = Date.now() + 3000;
  while ((handled.length < 3 || letters.length < 1) && Date.now() < end) await sleep(5);
  assert.deepEqual(handled, ['1', '3', '4']);
  assert.equal(letters.length, 1);
  assert.match((JSON.parse(letters[0]!) as { error: string }).error, /document too large/);
  assert.equal(bus.lag('g', 't'), 0);
  await sub.stop();
  await dlq.stop();
  await bus.close();
});
