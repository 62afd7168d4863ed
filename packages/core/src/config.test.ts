import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { commonConfigShape, describeConfig, env, loadConfig } from './config.js';

const schema = z.object({ ...commonConfigShape, PORT: env.port(8080).describe('Port.') });

test('defaults work with an empty environment (embedded mode)', () => {
  const config = loadConfig(schema, { env: {} });
  assert.equal(config.PORT, 8080);
  assert.deepEqual(config.KAFKA_BROKERS, []);
  assert.equal(config.ELASTICSEARCH_URL, undefined);
  assert.equal(config.KAFKA_SSL, false);
});

test('env overrides defaults and user overrides env', () => {
  const config = loadConfig(schema, { env: { PORT: '9000', KAFKA_BROKERS: 'a:9092, b:9092' }, overrides: { PORT: 9100 } });
  assert.equal(config.PORT, 9100);
  assert.deepEqual(config.KAFKA_BROKERS, ['a:9092', 'b:9092']);
});

test('invalid values are reported naming the variable', () => {
  assert.throws(() => loadConfig(schema, { env: { PORT: 'eighty' } }), /PORT/);
  assert.throws(() => loadConfig(schema, { env: { ELASTICSEARCH_URL: 'not a url' } }), /ELASTICSEARCH_URL/);
  assert.throws(() => loadConfig(schema, { env: { KAFKA_SSL: 'maybe' } }), /KAFKA_SSL/);
});

test('secrets can come from *_FILE', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rw-config-'));
  writeFileSync(join(dir, 'token'), 's3cret\n');
  const config = loadConfig(schema, { env: { ROLLWATCH_API_TOKEN_FILE: join(dir, 'token') } });
  assert.equal(config.ROLLWATCH_API_TOKEN, 's3cret');
  assert.throws(() => loadConfig(schema, { env: { ROLLWATCH_API_TOKEN_FILE: join(dir, 'missing') } }), /ROLLWATCH_API_TOKEN_FILE/);
});

test('describeConfig renders a markdown table with defaults', () => {
  const table = describeConfig(schema);
  assert.match(table, /\| `PORT` \| `8080` \| Port\. \|/);
  assert.match(table, /\| `KAFKA_BROKERS` \| {2}\|/);
});
