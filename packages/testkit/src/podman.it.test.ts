import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { dockerApiGet, startPodman, type PodmanEngine } from './index.js';

function post(socketPath: string, p: string, body?: unknown): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request({ socketPath, path: p, method: 'POST', headers: data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {} }, (res) => {
      let b = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { b += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

interface DockerEvent { Type?: string; Action?: string; status?: string; id?: string; Actor?: { ID?: string; Attributes?: Record<string, string> } }

/** Subscribe to the Docker API event stream; resolves once the server has accepted the subscription. */
function subscribe(socketPath: string, onEvent: (e: DockerEvent) => void): Promise<http.ClientRequest> {
  return new Promise((resolve, reject) => {
    const filters = encodeURIComponent(JSON.stringify({ type: ['container'] }));
    const req = http.request({ socketPath, path: `/v1.41/events?filters=${filters}`, method: 'GET' }, (res) => {
      if (res.statusCode !== 200) { reject(new Error(`events: HTTP ${res.statusCode}`)); return; }
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i).trim();
          buf = buf.slice(i + 1);
          if (line) onEvent(JSON.parse(line) as DockerEvent);
        }
      });
      res.on('error', () => undefined);
      resolve(req);
    });
    req.on('error', (e) => { if (!req.destroyed) reject(e); });
    req.end();
  });
}

describe('Podman from the testkit (Docker API)', () => {
  let engine: PodmanEngine;
  before(async () => { engine = await startPodman(); });
  after(async () => { await engine?.stop(); });

  it('serves the Docker API and has the busybox image', async () => {
    const v = await dockerApiGet(engine.socketPath, '/v1.41/version');
    assert.equal(v.status, 200);
    const images = JSON.parse((await dockerApiGet(engine.socketPath, '/v1.41/images/json')).body) as { RepoTags?: string[] }[];
    assert.ok(images.some((i) => (i.RepoTags ?? []).includes(engine.image)), `images: ${JSON.stringify(images.map((i) => i.RepoTags))}`);
  });

  it('a container that exits 3 yields a die event with exitCode 3 on /v1.41/events', async () => {
    const events: DockerEvent[] = [];
    let wake: () => void = () => undefined;
    const stream = await subscribe(engine.socketPath, (e) => { events.push(e); wake(); });
    try {
      const created = await post(engine.socketPath, '/v1.41/containers/create?name=testkit-exit3-' + Date.now(), { Image: engine.image, Cmd: ['sh', '-c', 'echo bye; exit 3'] });
      assert.equal(created.status, 201, created.body);
      const id = (JSON.parse(created.body) as { Id: string }).Id;
      const started = await post(engine.socketPath, `/v1.41/containers/${id}/start`);
      assert.equal(started.status, 204, started.body);

      const die = await new Promise<DockerEvent>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no die event in 20 s; saw ${JSON.stringify(events.map((e) => e.Action ?? e.status))}`)), 20_000);
        const check = (): void => {
          const d = events.find((e) => (e.Action ?? e.status) === 'die' && (e.Actor?.ID ?? e.id) === id);
          if (d) { clearTimeout(timer); resolve(d); }
        };
        wake = check;
        check();
      });
      assert.equal(die.Actor?.Attributes?.exitCode, '3');
      const inspect = JSON.parse((await dockerApiGet(engine.socketPath, `/v1.41/containers/${id}/json`)).body) as { State: { ExitCode: number; Status: string } };
      assert.equal(inspect.State.ExitCode, 3);

      // The CLI helper sees the same storage.
      const ps = await engine.podman(['ps', '-a', '--format', '{{.ID}} {{.Status}}']);
      assert.ok(ps.includes(id.slice(0, 12)), ps);
    } finally {
      stream.destroy();
    }
  });
});
