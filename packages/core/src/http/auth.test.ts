import { test } from 'node:test';
import assert from 'node:assert/strict';
import express from 'express';
import { listen, closeServer } from './app.js';
import { requireAuth, tokenEquals } from './auth.js';

async function serve(tokens: { write?: string; read?: string }) {
  const app = express();
  app.get('/r', requireAuth(tokens, 'read'), (_q, s) => void s.json({ ok: true }));
  app.post('/w', requireAuth(tokens, 'write'), (_q, s) => void s.json({ ok: true }));
  const { server, port } = await listen(app, 0, '127.0.0.1');
  const call = (method: string, path: string, token?: string) =>
    fetch(`http://127.0.0.1:${port}${path}`, { method, headers: token ? { authorization: `Bearer ${token}` } : {} }).then((r) => r.status);
  return { server, call };
}

test('no tokens configured: everything passes', async () => {
  const { server, call } = await serve({});
  assert.equal(await call('GET', '/r'), 200);
  assert.equal(await call('POST', '/w'), 200);
  await closeServer(server);
});

test('401 without a token, 403 with a wrong one, read token cannot write', async () => {
  const { server, call } = await serve({ write: 'w-token', read: 'r-token' });
  assert.equal(await call('GET', '/r'), 401);
  assert.equal(await call('GET', '/r', 'nope'), 403);
  assert.equal(await call('GET', '/r', 'r-token'), 200);
  assert.equal(await call('GET', '/r', 'w-token'), 200);
  assert.equal(await call('POST', '/w', 'r-token'), 403);
  assert.equal(await call('POST', '/w', 'w-token'), 200);
  assert.equal(await call('GET', '/r?access_token=r-token'), 200);
  assert.equal(await call('POST', '/w?access_token=w-token'), 401);
  await closeServer(server);
});

test('tokenEquals compares values of any length', () => {
  assert.equal(tokenEquals('abc', 'abc'), true);
  assert.equal(tokenEquals('abc', 'abcd'), false);
  assert.equal(tokenEquals('', 'x'), false);
});
