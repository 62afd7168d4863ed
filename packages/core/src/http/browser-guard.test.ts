import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import express from 'express';
import { closeServer, listen } from './app.js';
import { browserGuard } from './browser-guard.js';

async function serve(tokens: Record<string, string>) {
  const app = express();
  app.use(browserGuard(tokens));
  app.all('/x', (_q, s) => void s.json({ ok: true }));
  const { server, port } = await listen(app, 0, '127.0.0.1');
  // node:http, not fetch: fetch forbids setting Host and Origin.
  const call = (method: string, headers: Record<string, string>) =>
    new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method, path: '/x', headers }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
  return { server, port, call };
}

test('cross-origin state changes are refused; same-origin and non-browser clients pass', async () => {
  const { server, port, call } = await serve({ write: 't' });
  const host = `127.0.0.1:${port}`;
  assert.equal(await call('POST', { host, origin: 'https://evil.example' }), 403);
  assert.equal(await call('DELETE', { host, origin: 'null' }), 403);
  assert.equal(await call('POST', { host, origin: `http://${host}` }), 200);
  assert.equal(await call('POST', { host }), 200, 'curl sends no Origin');
  assert.equal(await call('GET', { host, origin: 'https://evil.example' }), 200, 'reads are guarded by auth, not Origin');
  await closeServer(server);
});

test('without tokens only loopback Host names are served (DNS rebinding)', async () => {
  const { server, port, call } = await serve({});
  assert.equal(await call('GET', { host: 'rebind.evil.example' }), 403);
  assert.equal(await call('GET', { host: `rebind.evil.example:${port}` }), 403);
  for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]) assert.equal(await call('GET', { host }), 200, host);
  await closeServer(server);
  const withToken = await serve({ read: 'r' });
  assert.equal(await withToken.call('GET', { host: 'rollwatch.internal' }), 200, 'with a token any Host may be used');
  await closeServer(withToken.server);
});
