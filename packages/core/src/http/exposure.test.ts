import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { guardExposure, isLoopbackHost } from './exposure.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

test('loopback addresses are recognised, wildcard and LAN addresses are not', () => {
  for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1']) assert.equal(isLoopbackHost(host), true, host);
  for (const host of ['0.0.0.0', '::', '', '10.0.0.5', '192.168.1.2', 'example.com', '128.0.0.1']) assert.equal(isLoopbackHost(host), false, host);
});

test('beyond loopback with no token: refuses to start, naming the variable', () => {
  const { logger } = capture();
  assert.throws(() => guardExposure({ service: 'ingest', host: '0.0.0.0', tokens: {}, insecure: false, logger }), /ROLLWATCH_API_TOKEN[\s\S]*ROLLWATCH_INSECURE=true/);
});

test('loopback without tokens and any address with a token start silently', () => {
  const { logger, lines } = capture();
  guardExposure({ service: 'ingest', host: '127.0.0.1', tokens: {}, insecure: false, logger })();
  guardExposure({ service: 'ingest', host: '0.0.0.0', tokens: { push: 'p' }, insecure: false, logger })();
  assert.equal(lines.length, 0);
});

test('ROLLWATCH_INSECURE=true starts, warns at once and again on every interval', async () => {
  const { logger, lines } = capture();
  const stop = guardExposure({ service: 'alerts', host: '0.0.0.0', tokens: {}, insecure: true, logger, warnEveryMs: 20 });
  assert.equal(lines.length, 1);
  assert.equal(lines[0]!.level, 40);
  assert.match(String(lines[0]!.msg), /no API token/);
  while (lines.length < 3) await new Promise((r) => setTimeout(r, 10));
  stop();
  const count = lines.length;
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(lines.length, count, 'no warning after stop');
});
