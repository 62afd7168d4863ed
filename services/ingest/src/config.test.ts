import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeConfig, loadConfig, ValidationError } from '@rollwatch/core';
import { ingestConfigSchema, parseSize } from './config.js';

describe('ingest config', () => {
  it('works with nothing set (laptop defaults)', () => {
    const config = loadConfig(ingestConfigSchema, { env: {} });
    assert.equal(config.INGEST_PORT, 8080);
    assert.deepEqual(config.INGEST_SOURCES, []);
    assert.deepEqual(config.INGEST_UNMAPPED, { kind: 'drop' });
    assert.equal(config.INGEST_SPOOL_MAX_BYTES, 256 * 1024 * 1024);
    assert.ok(config.INGEST_SPOOL_DIR.endsWith('ingest-spool'));
  });

  it('parses sources, the unmapped policy and sizes', () => {
    const config = loadConfig(ingestConfigSchema, {
      env: { INGEST_SOURCES: 'docker, kubernetes', INGEST_UNMAPPED: 'catchall:lost+found', INGEST_BODY_LIMIT: '512kb', INGEST_SPOOL_MAX_BYTES: '1gb' },
    });
    assert.deepEqual(config.INGEST_SOURCES, ['docker', 'kubernetes']);
    assert.deepEqual(config.INGEST_UNMAPPED, { kind: 'catchall', rollout: 'lost+found' });
    assert.equal(config.INGEST_BODY_LIMIT, 512 * 1024);
    assert.equal(config.INGEST_SPOOL_MAX_BYTES, 1024 ** 3);
  });

  it('names the variable on bad values', () => {
    for (const [key, value] of [['INGEST_SOURCES', 'docker,podman'], ['INGEST_UNMAPPED', 'keep'], ['INGEST_SPOOL_MAX_BYTES', 'lots'], ['INGEST_WORKLOAD_GROUP', 'blue']]) {
      assert.throws(() => loadConfig(ingestConfigSchema, { env: { [key!]: value } }), (e: unknown) => e instanceof ValidationError && e.field.startsWith(key!), key);
    }
  });

  it('parseSize understands units and rejects nonsense', () => {
    assert.equal(parseSize('5mb'), 5 * 1024 * 1024);
    assert.equal(parseSize(' 2 KiB '), 2048);
    assert.equal(parseSize('1000'), 1000);
    assert.equal(parseSize(0), undefined);
    assert.equal(parseSize('-1kb'), undefined);
  });

  it('describes every variable (for docs/ingest.md)', () => {
    const table = describeConfig(ingestConfigSchema);
    for (const key of Object.keys(ingestConfigSchema.shape)) assert.match(table, new RegExp(`\`${key}\``));
  });
});
