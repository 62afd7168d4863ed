import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { BackpressureError, ValidationError, type BusMessage } from '@rollwatch/core';
import { encodeFrames, segmentFiles, Spool, type SpoolOptions } from './spool.js';

const tempDir = () => mkdtempSync(path.join(tmpdir(), 'rw-spool-'));
const msg = (n: number, key = `r${n % 3}`): BusMessage => ({ key, value: JSON.stringify({ n, pad: 'x'.repeat(40) }), headers: { 'rollwatch-ingest-source': 'test' } });
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => msg(from + i));

async function drainAll(spool: Spool, batch = 7): Promise<BusMessage[]> {
  const out: BusMessage[] = [];
  while (!spool.isEmpty()) {
    const peeked = await spool.peek(batch, 1024 * 1024);
    out.push(...peeked.messages);
    await spool.ack(peeked.next, peeked.messages.length, peeked.bytes);
  }
  return out;
}

function open(dir: string, extra: Partial<SpoolOptions> = {}): Promise<Spool> {
  return Spool.open({ dir, maxBytes: 10 * 1024 * 1024, segmentBytes: 4096, ...extra });
}

describe('Spool', () => {
  it('returns messages in append order across segments, then deletes drained segments', async () => {
    const dir = tempDir();
    const spool = await open(dir);
    for (let i = 0; i < 10; i++) await spool.append(range(i * 10, i * 10 + 10));
    assert.equal(spool.events, 100);
    assert.ok((await segmentFiles(dir)).length > 1, 'small segment size must roll over');
    const out = await drainAll(spool);
    assert.deepEqual(out, range(0, 100));
    assert.equal(spool.events, 0);
    assert.equal(spool.pendingBytes, 0);
    assert.deepEqual(await segmentFiles(dir), []);
    assert.equal(spool.diskBytes, 0);
    await spool.close();
  });

  it('peek does not consume: an unacknowledged batch is returned again', async () => {
    const spool = await open(tempDir());
    await spool.append(range(0, 5));
    const first = await spool.peek(3);
    const again = await spool.peek(3);
    assert.deepEqual(first.messages, again.messages);
    await spool.ack(first.next, 3, first.bytes);
    assert.deepEqual((await spool.peek(10)).messages, range(3, 5));
    await spool.close();
  });

  it('refuses an append above the cap with BackpressureError, writing nothing', async () => {
    const dir = tempDir();
    const oneBatch = encodeFrames(range(0, 10)).length;
    const spool = await open(dir, { maxBytes: oneBatch * 2 + 10, retryAfterSeconds: 7 });
    await spool.append(range(0, 10));
    await spool.append(range(10, 20));
    await assert.rejects(spool.append(range(20, 30)), (e: unknown) => e instanceof BackpressureError && e.retryAfterSeconds === 7);
    assert.equal(spool.events, 20);
    assert.equal(spool.hasRoomFor(oneBatch), false);
    // Draining frees the space again.
    assert.deepEqual(await drainAll(spool), range(0, 20));
    await spool.append(range(20, 30));
    assert.equal(spool.events, 10);
    await spool.close();
  });

  it('survives a restart: unacknowledged messages are replayed, acknowledged ones are not', async () => {
    const dir = tempDir();
    const first = await open(dir);
    await first.append(range(0, 30));
    const peeked = await first.peek(12);
    await first.ack(peeked.next, 12, peeked.bytes);
    await first.close();

    const second = await open(dir);
    assert.equal(second.events, 18);
    await second.append(range(30, 35));
    assert.deepEqual(await drainAll(second), range(12, 35));
    await second.close();
  });

  it('recovers from a crash without close(): torn tail frame is cut, complete frames kept', async () => {
    const dir = tempDir();
    const crashed = await open(dir);
    await crashed.append(range(0, 4));
    // Simulate a crash mid-write: half a frame at the end of the newest segment (no close()).
    const files = (await segmentFiles(dir)).map((f) => f.name);
    const partial = encodeFrames([msg(99)]);
    appendFileSync(path.join(dir, files[files.length - 1]!), partial.subarray(0, partial.length - 5));

    const recovered = await open(dir);
    assert.equal(recovered.events, 4);
    await recovered.append(range(4, 6));
    assert.deepEqual(await drainAll(recovered), range(0, 6));
    await recovered.close();
  });

  it('ignores a corrupt cursor file and replays from the oldest segment (at-least-once)', async () => {
    const dir = tempDir();
    const spool = await open(dir);
    await spool.append(range(0, 3));
    await spool.close();
    writeFileSync(path.join(dir, 'cursor.json'), '{garbage');
    const reopened = await open(dir);
    assert.deepEqual(await drainAll(reopened), range(0, 3));
    await reopened.close();
  });

  it('refuses a directory locked by another live process', async () => {
    const dir = tempDir();
    // pid 1 is always alive (init); a spool owned by it must not be shared.
    writeFileSync(path.join(dir, 'LOCK'), '1');
    await assert.rejects(open(dir), (e: unknown) => e instanceof ValidationError && e.field === 'INGEST_SPOOL_DIR');
    // A lock left by a dead process is taken over.
    writeFileSync(path.join(dir, 'LOCK'), '999999999');
    const spool = await open(dir);
    await spool.close();
    assert.ok(!readdirSync(dir).includes('LOCK'));
  });

  it('limits a peek by bytes but always returns at least one message', async () => {
    const spool = await open(tempDir(), { segmentBytes: 1024 * 1024 });
    const big: BusMessage = { key: 'k', value: 'y'.repeat(10_000) };
    await spool.append([big, msg(1), msg(2)]);
    const first = await spool.peek(100, 100);
    assert.deepEqual(first.messages, [big]);
    await spool.ack(first.next, 1, first.bytes);
    const rest = await spool.peek(100, 1024);
    assert.deepEqual(rest.messages, [msg(1), msg(2)]);
    await spool.close();
  });

  it('keeps appends made while a drain is in progress', async () => {
    const spool = await open(tempDir());
    await spool.append(range(0, 5));
    const peeked = await spool.peek(5);
    await spool.append(range(5, 8));
    await spool.ack(peeked.next, 5, peeked.bytes);
    assert.equal(spool.events, 3);
    assert.deepEqual(await drainAll(spool), range(5, 8));
    await spool.close();
  });
});
