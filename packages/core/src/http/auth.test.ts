import { test } from 'node:test';
import assert from 'node:assert/strict';
import express from 'express';
import { listen, closeServer } from './app.js';
import { authTokensFrom, requireAuth, scopesOf, tokenEquals, type AuthTokens } from './auth.js';

async function serve(tokens: AuthTokens) {
  const app = express();
  app.get('/r', requireAuth(tokens, 'read'), (_q, s) => void s.json({ ok: true }));
  app.get('/stream', requireAuth(tokens, 'read', { queryToken: true }), (_q, s) => void s.json({ ok: true }));
  app.post('/w', requireAuth(tokens, 'write'), (_q, s) => void s.json({ ok: true }));
  app.post('/push', requireAuth(tokens, 'push'), (_q, s) => void s.json({ ok: true }));
  app.post('/operate', requireAuth(tokens, 'operate'), (_q, s) => void s.json({ ok: true }));
  app.post('/admin', requireAuth(tokens, 'admin'), (_q, s) => void s.json({ ok: true }));
  const { server, port } = await listen(app, 0, '127.0.0.1');
  const call = (method: string, path: string, token?: string) =>
    fetch(`http://127.0.0.1:${port}${path}`, { method, headers: token ? { authorization: `Bearer ${token}` } : {} }).then((r) => r.status);
  return { server, call };
}

test('no tokens configured: everything passes', async () => {
  const { server, call } = await serve({});
  assert.equal(await call('GET', '/r'), 200);
  assert.equal(await call('POST', '/w'), 200);
  assert.equal(await call('POST', '/admin'), 200);
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
  assert.equal(await call('POST', '/w?access_token=w-token'), 401);
  await closeServer(server);
});

test('?access_token= only where the route allows it (clients that cannot send headers)', async () => {
  const { server, call } = await serve({ read: 'r-token' });
  assert.equal(await call('GET', '/r?access_token=r-token'), 401);
  assert.equal(await call('GET', '/stream?access_token=r-token'), 200);
  assert.equal(await call('GET', '/stream?access_token=nope'), 403);
  await closeServer(server);
});

test('scoped tokens: push, read, operate, admin each reach only their routes; the API token reaches all', async () => {
  const tokens = authTokensFrom({
    ROLLWATCH_API_TOKEN: 'all',
    ROLLWATCH_READ_TOKEN: 'reader',
    ROLLWATCH_PUSH_TOKEN: 'pusher',
    ROLLWATCH_OPERATE_TOKEN: 'operator',
    ROLLWATCH_ADMIN_TOKEN: 'administrator',
  });
  const { server, call } = await serve(tokens);
  const expected: Record<string, Record<string, number>> = {
    pusher: { '/r': 403, '/push': 200, '/operate': 403, '/admin': 403 },
    reader: { '/r': 200, '/push': 403, '/operate': 403, '/admin': 403 },
    operator: { '/r': 200, '/push': 403, '/operate': 200, '/admin': 403 },
    administrator: { '/r': 200, '/push': 403, '/operate': 200, '/admin': 200 },
    all: { '/r': 200, '/push': 200, '/operate': 200, '/admin': 200 },
  };
  for (const [token, routes] of Object.entries(expected)) {
    for (const [route, status] of Object.entries(routes)) {
      assert.equal(await call(route === '/r' ? 'GET' : 'POST', route, token), status, `${token} ${route}`);
    }
  }
  assert.deepEqual([...scopesOf(tokens, 'pusher')], ['push']);
  assert.deepEqual(scopesOf(tokens, 'unknown').size, 0);
  await closeServer(server);
});

test('tokenEquals compares values of any length', () => {
  assert.equal(tokenEquals('abc', 'abc'), true);
  assert.equal(tokenEquals('abc', 'abcd'), false);
  assert.equal(tokenEquals('', 'x'), false);
});
