import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dockerSourceConfigSchema } from './config.js';
import type { TrackedContainer } from './event-mapping.js';
import { engineFacts } from './host-attributes.js';
import { TokenBucket } from './log-filter.js';
import { ContainerLogDecoder } from './log-lines.js';
import * as rec from './testing/recorded.js';
import { frame } from './testing/helpers.js';

const facts = engineFacts(rec.PODMAN_INFO, rec.PODMAN_VERSION);
const patterns = dockerSourceConfigSchema.parse({}).INGEST_DOCKER_LOG_PATTERNS;
const container = (tty = false): TrackedContainer => ({
  id: 'c1', name: 's4', image: 'app:1', labels: { 'rollwatch.io/rollout': 'demo', 'rollwatch.io/group': 'canary' }, tty, memoryLimit: 0,
  restartCount: 0, lastStartNs: 0n, lastDieNs: 0n, hasDied: false, oomReported: false,
});
// Recorded from Podman: three runs of a crash loop print the same line within one second.
const PODMAN_CRASH_LOOP = Buffer.concat([1, 2, 3].map(() => frame(1, '2026-11-24T23:43:23Z fatal crash\n')));

describe('ContainerLogDecoder', () => {
  it('forwards matching lines of a multiplexed stream as log events', () => {
    const d = new ContainerLogDecoder(container(), facts, new TokenBucket(5, 50, 0), { patterns, maxLineChars: 4096 });
    const bytes = Buffer.concat([frame(1, '2026-11-24T23:43:21.5Z hello\n'), frame(2, '2026-11-24T23:43:21.6Z ERROR boom\n'), frame(1, '2026-11-24T23:43:22Z warning: x\n')]);
    const events = [...d.push(bytes.subarray(0, 20), 0), ...d.push(bytes.subarray(20), 0), ...d.flush(0)];
    assert.deepEqual(events.map((e) => [e.type, e.level, e.message, e.time, e.rollout, e.group, e.instance]), [
      ['log', 'error', 'ERROR boom', Date.parse('2026-11-24T23:43:21.600Z'), 'demo', 'canary', 's4'],
      ['log', 'warn', 'warning: x', Date.parse('2026-11-24T23:43:22Z'), 'demo', 'canary', 's4'],
    ]);
    assert.equal(d.lastTimestamp, '2026-11-24T23:43:22Z');
  });

  it('keeps repeated lines at one (second-precision) timestamp distinct, and a re-read gives the same ids', () => {
    const read = () => new ContainerLogDecoder(container(), facts, new TokenBucket(5, 50, 0), { patterns, maxLineChars: 4096 }).push(PODMAN_CRASH_LOOP, 0).map((e) => e.id);
    const first = read();
    assert.equal(new Set(first).size, 3);
    assert.deepEqual(read(), first);
  });

  it('reads raw TTY output and a last line without newline', () => {
    const d = new ContainerLogDecoder(container(true), facts, new TokenBucket(5, 50, 0), { patterns, maxLineChars: 4096 });
    assert.deepEqual(d.push(Buffer.from('2026-11-24T23:43:21Z panic: nil map\r\n2026-11-24T23:43:22Z Exception'), 0).map((e) => e.message), ['panic: nil map']);
    assert.deepEqual(d.flush(0).map((e) => e.message), ['Exception']);
  });

  it('caps the rate per container and counts what it suppresses; truncates long lines', () => {
    const bucket = new TokenBucket(1, 2, 0);
    const d = new ContainerLogDecoder(container(), facts, bucket, { patterns, maxLineChars: 64 });
    const lines = Array.from({ length: 10 }, (_, i) => frame(2, `2026-11-24T23:43:21.${i}Z ERROR ${'x'.repeat(100)} ${i}\n`));
    const events = d.push(Buffer.concat(lines), 0);
    assert.equal(events.length, 2);
    assert.equal(bucket.suppressed, 8);
    assert.equal(events[0]!.message!.length, 64);
    assert.equal(d.push(frame(2, '2026-11-24T23:43:22Z ERROR later\n'), 1000).length, 1, 'one token per second');
  });
});
