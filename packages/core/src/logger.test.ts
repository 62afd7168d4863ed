import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger, SECRET_KEYS } from './logger.js';

test('every secret key is redacted at the top level and nested, headers included', () => {
  let out = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      out += chunk.toString('utf8');
      done();
    },
  });
  const logger = createLogger('t', 'info', sink);
  const secrets = Object.fromEntries(SECRET_KEYS.map((key, i) => [key, `s3cret-value-${i}`]));
  logger.info(secrets, 'top level');
  logger.info({ config: secrets }, 'one deep');
  logger.info({ req: { headers: secrets } }, 'two deep');
  logger.info({ a: { b: { c: secrets } } }, 'three deep');
  for (const [key, value] of Object.entries(secrets)) assert.ok(!out.includes(value), `${key} leaked: ${out.slice(0, 300)}`);
  assert.equal(out.split('\n').filter(Boolean).length, 4);
  assert.match(out, /\[redacted\]/);
});
