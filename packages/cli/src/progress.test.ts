import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { downloadProgress, formatBytes, formatProgress } from './progress.js';

test('formatBytes: B, KB, MB, GB with one decimal', () => {
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(1536), '1.5 KB');
  assert.equal(formatBytes(85.3 * 1024 ** 2), '85.3 MB');
  assert.equal(formatBytes(2 * 1024 ** 3), '2.0 GB');
});

test('formatProgress: bytes against the total when known (with percent), bytes alone otherwise', () => {
  assert.equal(
    formatProgress([
      { name: 'Elasticsearch', bytes: 100 * 1024 ** 2, total: 400 * 1024 ** 2 },
      { name: 'Kafka', bytes: 12 * 1024 ** 2 },
    ]),
    'Elasticsearch 100.0 MB / 400.0 MB (25%) · Kafka 12.0 MB',
  );
  assert.equal(formatProgress([{ name: 'x', bytes: 10, total: 5 }]), 'x 10 B / 5 B (100%)', 'never above 100%');
});

test('downloadProgress writes nothing when disabled (piped stderr or --json)', async () => {
  const out = new PassThrough();
  let written = '';
  out.on('data', (d: Buffer) => (written += d.toString()));
  const progress = downloadProgress(out, { enabled: false, intervalMs: 10 });
  await new Promise((resolve) => setTimeout(resolve, 50));
  progress.stop();
  assert.equal(written, '');
});

test('downloadProgress on a terminal: one line rewritten in place with the bytes so far, cleared on stop', async () => {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const cache = mkdtempSync(`${tmpdir()}/rollwatch-progress-`);
  const saved = { cache: process.env.ROLLWATCH_CACHE_DIR, es: process.env.ELASTICSEARCH_URL, kafka: process.env.KAFKA_BROKERS };
  // An empty cache (Kafka not downloaded yet); Elasticsearch external, so no request to Maven Central.
  process.env.ROLLWATCH_CACHE_DIR = cache;
  process.env.ELASTICSEARCH_URL = 'http://127.0.0.1:9200';
  delete process.env.KAFKA_BROKERS;
  const out = new PassThrough();
  let written = '';
  out.on('data', (d: Buffer) => (written += d.toString()));
  try {
    const progress = downloadProgress(out, { enabled: true, intervalMs: 10 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    progress.stop();
    const clear = '\r\u001b[2K';
    assert.ok(written.startsWith(`${clear}downloading from Maven Central: Kafka `), JSON.stringify(written));
    assert.match(written.slice(clear.length), /^downloading from Maven Central: Kafka \d+(\.\d)? (B|KB|MB)/);
    assert.ok(written.endsWith(clear), 'the line is cleared at the end');
  } finally {
    for (const [key, value] of [['ROLLWATCH_CACHE_DIR', saved.cache], ['ELASTICSEARCH_URL', saved.es], ['KAFKA_BROKERS', saved.kafka]] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    rmSync(cache, { recursive: true, force: true });
  }
});
