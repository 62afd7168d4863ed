import { describe, it, after, before } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express, { type Request, type Response } from 'express';
import { createForwarder, FORWARDED_HEADER, SERVED_FROM_HEADER } from './forward.js';

/** A stand-in owner over real HTTP: echoes what it received, so the test sees what was forwarded. */
function ownerApp(): express.Express {
  const app = express();
  app.use(express.json());
  app.all('/api/v1/echo', (req, res) => {
    res.status(req.get('authorization') === 'Bearer good' ? 200 : 401).set('Retry-After', '7').json({ method: req.method, url: req.originalUrl, hop: req.get(FORWARDED_HEADER) ?? null, auth: req.get('authorization') ?? null, body: req.body ?? null });
  });
  app.get('/api/v1/broken', (_req, res) => res.status(500).json({ error: 'boom' }));
  return app;
}

/** Runs the forwarder inside a real express route, as the detector's routes do. */
async function call(forward: ReturnType<typeof createForwarder>, path: string, init: RequestInit = {}): Promise<{ status: number; headers: Headers; body: string }> {
  const app = express();
  app.use(express.json());
  app.all(/.*/, async (req: Request, res: Response) => {
    if (!(await forward.forward('prod/x', req, res))) res.status(299).json({ fallback: true });
  });
  const server = app.listen(0);
  await new Promise((r) => server.once('listening', r));
  try {
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`, init);
    return { status: res.status, headers: res.headers, body: await res.text() };
  } finally {
    server.close();
  }
}

describe('forwarding a read to the replica that owns the rollout', () => {
  let owner: Server;
  let ownerUrl = '';
  before(async () => {
    owner = ownerApp().listen(0);
    await new Promise((r) => owner.once('listening', r));
    ownerUrl = `http://127.0.0.1:${(owner.address() as AddressInfo).port}`;
  });
  after(() => owner.close());

  it('passes the caller\'s Authorization through, marks the hop, and returns the owner\'s answer', async () => {
    const forward = createForwarder({ self: 'http://me:1', timeoutMs: 2000, ownerOf: async () => ownerUrl, unreachable: () => assert.fail('reachable') });
    const ok = await call(forward, '/api/v1/echo?x=1', { headers: { authorization: 'Bearer good' } });
    assert.equal(ok.status, 200);
    assert.deepEqual(JSON.parse(ok.body), { method: 'GET', url: '/api/v1/echo?x=1', hop: 'http://me:1', auth: 'Bearer good', body: null });
    assert.equal(ok.headers.get(SERVED_FROM_HEADER), `owner ${ownerUrl}`);
    assert.equal(ok.headers.get('retry-after'), '7');
    // The owner's refusal is the answer: the forwarding replica adds no credentials of its own.
    const refused = await call(forward, '/api/v1/echo', { headers: { authorization: 'Bearer bad' } });
    assert.equal(refused.status, 401);
    const anonymous = await call(forward, '/api/v1/echo');
    assert.equal(JSON.parse(anonymous.body).auth, null);
  });

  it('forwards a JSON body (Flagger webhooks)', async () => {
    const forward = createForwarder({ timeoutMs: 2000, ownerOf: async () => ownerUrl, unreachable: () => undefined });
    const res = await call(forward, '/api/v1/echo', { method: 'POST', headers: { authorization: 'Bearer good', 'content-type': 'application/json' }, body: JSON.stringify({ name: 'x', namespace: 'y' }) });
    assert.deepEqual(JSON.parse(res.body).body, { name: 'x', namespace: 'y' });
  });

  it('never forwards twice, nor when there is no owner, nor passes on an owner\'s 5xx', async () => {
    const forward = createForwarder({ timeoutMs: 2000, ownerOf: async () => ownerUrl, unreachable: () => undefined });
    assert.equal((await call(forward, '/api/v1/echo', { headers: { authorization: 'Bearer good', [FORWARDED_HEADER]: 'http://other:1' } })).status, 299);
    assert.equal((await call(forward, '/api/v1/broken')).status, 299);
    const nobody = createForwarder({ timeoutMs: 2000, ownerOf: async () => undefined, unreachable: () => undefined });
    assert.equal((await call(nobody, '/api/v1/echo')).status, 299);
  });

  it('falls back when the owner is unreachable, and says so', async () => {
    const failures: string[] = [];
    const forward = createForwarder({ timeoutMs: 500, ownerOf: async () => 'http://127.0.0.1:1', unreachable: (url) => failures.push(url) });
    assert.equal((await call(forward, '/api/v1/echo')).status, 299);
    assert.deepEqual(failures, ['http://127.0.0.1:1']);
  });
});
