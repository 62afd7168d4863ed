import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import { createLogger, createRegistry, listen, loadConfig, MemoryBus, type ConsumedMessage } from '@rollwatch/core';
import { ingestConfigSchema } from './config.js';
import { signBody } from './http/hmac.js';
import { createIngest, type Ingest } from './ingest.js';
import type { Source, SourceStatus } from './sources/interface.js';
import { alertmanagerPayload, exporterEvent } from './testing/fixtures.js';

interface Harness {
  url: string;
  bus: MemoryBus;
  ingest: Ingest;
  received: ConsumedMessage[];
  post(route: string, body: string | Buffer, headers?: Record<string, string>): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }>;
  close(): Promise<void>;
}

const harnesses: Harness[] = [];
after(async () => {
  for (const h of harnesses) await h.close();
});

async function start(env: Record<string, string> = {}, sources: Source[] = []): Promise<Harness> {
  const config = loadConfig(ingestConfigSchema, { env: { INGEST_SPOOL_DIR: mkdtempSync(path.join(tmpdir(), 'rw-ingest-')), LOG_LEVEL: 'silent', ...env } });
  const bus = new MemoryBus();
  const received: ConsumedMessage[] = [];
  const subscription = await bus.subscribe({ topics: ['rollwatch.events'], groupId: 'test', fromBeginning: true, handler: async (batch) => void received.push(...batch) });
  const ingest = createIngest({ config, bus, logger: createLogger('ingest', 'silent'), registry: createRegistry('ingest'), sources });
  await ingest.start();
  const { server, port } = await listen(ingest.app, 0, '127.0.0.1');
  const url = `http://127.0.0.1:${port}`;
  let closed = false;
  const harness: Harness = {
    url,
    bus,
    ingest,
    received,
    async post(route, body, headers = { 'content-type': 'application/json' }) {
      const response = await fetch(`${url}${route}`, { method: 'POST', headers, body });
      const text = await response.text();
      return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, headers: response.headers };
    },
    async close() {
      if (closed) return;
      closed = true;
      await new Promise<void>((resolve) => (server as Server).close(() => resolve()));
      await ingest.stop();
      await subscription.stop();
      await bus.close();
    },
  };
  harnesses.push(harness);
  return harness;
}

const now = () => new Date().toISOString();
const ev = (n: number, extra: Record<string, unknown> = {}) => ({ time: now(), rollout: `web-${n % 2}`, group: 'canary', type: 'container_start', instance: `i-${n}`, ...extra });

async function until(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(5);
  }
}

describe('POST /api/v1/events', () => {
  it('accepts an object, an array and NDJSON; publishes with key = rollout', async () => {
    const h = await start();
    assert.deepEqual((await h.post('/api/v1/events', JSON.stringify(ev(1)))).body, { accepted: 1 });
    assert.deepEqual((await h.post('/api/v1/events', JSON.stringify([ev(2), ev(3)]))).body, { accepted: 2 });
    const ndjson = [ev(4), ev(5), ev(6)].map((e) => JSON.stringify(e)).join('\n');
    const response = await h.post('/api/v1/events', ndjson, { 'content-type': 'application/x-ndjson' });
    assert.equal(response.status, 202);
    assert.deepEqual(response.body, { accepted: 3 });
    await until(() => h.received.length === 6);
    for (const message of h.received) {
      const event = JSON.parse(message.value) as { rollout: string; id: string };
      assert.equal(message.key, event.rollout);
      assert.ok(event.id);
      assert.equal(message.headers?.['rollwatch-ingest-source'], 'http');
    }
    assert.deepEqual(h.received.map((m) => (JSON.parse(m.value) as { instance: string }).instance).sort(), ['i-1', 'i-2', 'i-3', 'i-4', 'i-5', 'i-6']);
    // Counters are added per (source, type) once per request/publish: the totals must still be per event.
    await h.post('/api/v1/events', JSON.stringify([ev(7, { type: 'oom_killed' }), ev(8, { type: 'oom_killed' }), ev(9)]));
    await until(() => h.received.length === 9);
    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    for (const [name, type, count] of [['received', 'container_start', 7], ['received', 'oom_killed', 2], ['produced', 'container_start', 7], ['produced', 'oom_killed', 2]] as const) {
      assert.match(metrics, new RegExp(`rollwatch_ingest_events_${name}_total\\{[^}]*source="http"[^}]*type="${type}"[^}]*\\} ${count}\n`), `${name} ${type}`);
    }
  });

  it('415 for any Content-Type but JSON, NDJSON and CloudEvents (a web page cannot push cross-site)', async () => {
    const h = await start();
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', '']) {
      const response = await h.post('/api/v1/events', JSON.stringify(ev(1)), type ? { 'content-type': type } : {});
      assert.equal(response.status, 415, type);
      assert.equal((response.body as { field: string }).field, 'content-type');
    }
    await sleep(20);
    assert.equal(h.received.length, 0);
  });

  it('an exitCode the events index cannot hold (beyond 32 bits) is a 400 naming exitCode, not a dead letter later', async () => {
    const h = await start();
    const response = await h.post('/api/v1/events', JSON.stringify([ev(1), ev(2, { type: 'container_exit', exitCode: 2 ** 40 })]));
    assert.equal(response.status, 400);
    assert.deepEqual((response.body.errors as Array<{ index: number; field: string }>).map((e) => [e.index, e.field]), [[1, 'exitCode']]);
    assert.match(JSON.stringify(response.body.errors), /32-bit integer/);
    const edge = await h.post('/api/v1/events', JSON.stringify([ev(3, { type: 'container_exit', exitCode: 2 ** 31 - 1 }), ev(4, { type: 'container_exit', exitCode: -(2 ** 31) })]));
    assert.equal(edge.status, 202, JSON.stringify(edge.body));
    await until(() => h.received.length === 2);
  });

  it('huge invalid input is a 400 with capped errors, never a 500 (200k labels, 5000 bad events)', async () => {
    const h = await start({ INGEST_MAX_NEW_ROLLOUTS_PER_MINUTE: '0' });
    const labels = Object.fromEntries(Array.from({ length: 200_000 }, (_, i) => [`k${i}`, 'v']));
    const one = await h.post('/api/v1/events', JSON.stringify(ev(1, { labels })));
    assert.equal(one.status, 400);
    assert.ok((one.body.errors as unknown[]).length <= 100);
    const many = await h.post('/api/v1/events', JSON.stringify(Array.from({ length: 5000 }, (_, i) => ev(i, { group: 'nope' }))));
    assert.equal(many.status, 400);
    assert.equal(many.body.errorCount, 5000);
    assert.match(String(many.body.error), /^5000 of 5000 event\(s\) are invalid/);
    assert.ok((many.body.errors as unknown[]).length <= 100);
  });

  it('accepts CloudEvents structured and batch mode', async () => {
    const h = await start();
    const { time: _t, ...data } = ev(1);
    const single = await h.post('/api/v1/events', JSON.stringify({ specversion: '1.0', id: 'ce-42', source: '/deployer', type: 'dev.rollwatch.event.v1', time: now(), data }), {
      'content-type': 'application/cloudevents+json',
    });
    assert.equal(single.status, 202);
    const batch = await h.post('/api/v1/events', JSON.stringify([1, 2].map((n) => ({ specversion: '1.0', id: `b-${n}`, source: 's', type: 't', data: ev(n) }))), {
      'content-type': 'application/cloudevents-batch+json',
    });
    assert.deepEqual(batch.body, { accepted: 2 });
    await until(() => h.received.length === 3);
    const first = JSON.parse(h.received.find((m) => m.value.includes('ce-42'))!.value) as { id: string; source: string };
    assert.equal(first.id, 'ce-42');
    assert.equal(first.source, '/deployer');
  });

  it('rejects the whole NDJSON batch naming every bad field and line; nothing is published', async () => {
    const h = await start();
    const lines = [JSON.stringify(ev(1)), JSON.stringify(ev(2, { grup: 'canary' })), '', JSON.stringify(ev(3, { type: 'log' }))].join('\n');
    const response = await h.post('/api/v1/events', lines, { 'content-type': 'application/x-ndjson' });
    assert.equal(response.status, 400);
    assert.equal(response.body.field, 'grup');
    assert.deepEqual(
      (response.body.errors as Array<{ line: number; index: number; field: string }>).map((e) => [e.line, e.index, e.field]),
      [[2, 1, 'grup'], [4, 2, 'message']],
    );
    assert.match(String(response.body.error), /2 of 3 event\(s\) are invalid; nothing was accepted/);
    await sleep(30);
    assert.equal(h.received.length, 0);
  });

  it('names the field and index in an array, and says when the rollout could not be derived', async () => {
    const h = await start();
    const { rollout: _r, group: _g, ...unlabelled } = ev(2);
    const response = await h.post('/api/v1/events', JSON.stringify([ev(1), unlabelled, ev(3, { time: 1 })]));
    assert.equal(response.status, 400);
    const errors = response.body.errors as Array<{ index: number; field: string; message: string }>;
    assert.deepEqual(errors.map((e) => [e.index, e.field]), [[1, 'rollout'], [2, 'time']]);
    assert.match(errors[0]!.message, /no mapping rule/);
  });

  it('derives rollout and group from labels with the built-in rules', async () => {
    const h = await start();
    const { rollout: _r, group: _g, ...base } = ev(1);
    const response = await h.post('/api/v1/events', JSON.stringify({ ...base, labels: { 'rollwatch.io/workload': 'podinfo-primary' } }));
    assert.equal(response.status, 202);
    await until(() => h.received.length === 1);
    const event = JSON.parse(h.received[0]!.value) as { rollout: string; group: string };
    assert.deepEqual([h.received[0]!.key, event.rollout, event.group], ['podinfo', 'podinfo', 'baseline']);
  });

  it('sends unmapped events to the catch-all rollout when configured', async () => {
    const h = await start({ INGEST_UNMAPPED: 'catchall:unmapped' });
    const { rollout: _r, group: _g, ...base } = ev(1);
    assert.equal((await h.post('/api/v1/events', JSON.stringify(base))).status, 202);
    await until(() => h.received.length === 1);
    assert.equal(h.received[0]!.key, 'unmapped');
    assert.equal((JSON.parse(h.received[0]!.value) as { group: string }).group, 'other');
  });

  it('answers 400 on malformed JSON and an empty body, 413 above the size limit', async () => {
    const h = await start({ INGEST_BODY_LIMIT: '1kb' });
    const malformed = await h.post('/api/v1/events', '{"time": ');
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body.field, 'body');
    assert.equal((await h.post('/api/v1/events', '')).status, 400);
    const big = await h.post('/api/v1/events', JSON.stringify(ev(1, { message: 'x'.repeat(2000), type: 'log' })));
    assert.equal(big.status, 413);
    assert.equal(big.body.field, 'body');
  });

  it('rate-limits per client with 429 and Retry-After', async () => {
    const h = await start({ INGEST_RATE_LIMIT: '3', INGEST_RATE_WINDOW_MS: '60000' });
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 5; i++) {
      const r = await h.post('/api/v1/events', JSON.stringify(ev(i)));
      statuses.push(r.status);
      if (r.status === 429) retryAfter = r.headers.get('retry-after');
    }
    assert.deepEqual(statuses, [202, 202, 202, 429, 429]);
    assert.ok(Number(retryAfter) >= 1 && Number(retryAfter) <= 60, `Retry-After ${retryAfter}`);
  });
});

describe('auth', () => {
  it('needs the write token on push (401 without, 403 wrong or read-only) and a read token for /api/v1/sources', async () => {
    const h = await start({ ROLLWATCH_API_TOKEN: 'write-secret', ROLLWATCH_READ_TOKEN: 'read-secret' });
    const body = JSON.stringify(ev(1));
    assert.equal((await h.post('/api/v1/events', body)).status, 401);
    assert.equal((await h.post('/api/v1/events', body, { 'content-type': 'application/json', authorization: 'Bearer nope' })).status, 403);
    assert.equal((await h.post('/api/v1/events', body, { 'content-type': 'application/json', authorization: 'Bearer read-secret' })).status, 403);
    assert.equal((await h.post('/api/v1/events', body, { 'content-type': 'application/json', authorization: 'Bearer write-secret' })).status, 202);
    assert.equal((await h.post('/api/v1/receivers/alertmanager', '{}')).status, 401);
    assert.equal((await fetch(`${h.url}/api/v1/sources`)).status, 401);
    assert.equal((await fetch(`${h.url}/api/v1/sources`, { headers: { authorization: 'Bearer read-secret' } })).status, 200);
    assert.equal((await fetch(`${h.url}/healthz`)).status, 200, 'probes stay open');
  });
});

describe('receivers', () => {
  it('copies the rollwatch.io/revision label into the event revision (Docker containers, push)', async () => {
    const h = await start();
    const response = await h.post('/api/v1/events', JSON.stringify([{ ...ev(1), labels: { 'rollwatch.io/revision': 'v2.4.1' } }, { ...ev(2), revision: 'explicit', labels: { 'rollwatch.io/revision': 'ignored' } }]));
    assert.equal(response.status, 202);
    await until(() => h.received.length === 2);
    const revisions = h.received.map((m) => (JSON.parse(m.value) as { revision?: string }).revision).sort();
    assert.deepEqual(revisions, ['explicit', 'v2.4.1']);
  });

  it('accepts an Alertmanager v4 webhook', async () => {
    const h = await start();
    const response = await h.post('/api/v1/receivers/alertmanager', JSON.stringify(alertmanagerPayload()));
    assert.equal(response.status, 202);
    assert.deepEqual(response.body, { accepted: 3, dropped: 0, skipped: 1 });
    await until(() => h.received.length === 3);
    assert.ok(h.received.every((m) => m.key === 'checkout'));
    assert.ok(h.received.every((m) => m.headers?.['rollwatch-ingest-source'] === 'alertmanager'));
  });

  it('accepts kubernetes-event-exporter events; unmapped ones are dropped and counted', async () => {
    const h = await start();
    const orphan = exporterEvent('BackOff', 'Back-off');
    orphan.involvedObject.ownerReferences = [];
    const response = await h.post('/api/v1/receivers/kubernetes-event-exporter', JSON.stringify([exporterEvent('Unhealthy', 'Readiness probe failed'), orphan, exporterEvent('Pulled', 'ok')]));
    assert.deepEqual(response.body, { accepted: 1, dropped: 1, skipped: 1 });
    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    assert.match(metrics, /rollwatch_ingest_events_unmapped_total\{[^}]*source="kubernetes-event-exporter"[^}]*action="dropped"[^}]*\} 1/);
  });

  it('answers 400 naming the field for a payload of the wrong shape', async () => {
    const h = await start();
    const response = await h.post('/api/v1/receivers/alertmanager', JSON.stringify({ version: '4', alerts: 'nope' }));
    assert.equal(response.status, 400);
    assert.equal(response.body.field, 'alerts');
  });

  it('accept a bearer token (what Alertmanager and kubernetes-event-exporter can send); the HMAC stays an alternative', async () => {
    const h = await start({ ROLLWATCH_API_TOKEN: 'write-secret', ROLLWATCH_READ_TOKEN: 'read-secret', INGEST_RECEIVER_TOKEN: 'receiver-secret', INGEST_RECEIVER_HMAC_SECRET: 'shh' });
    const body = JSON.stringify(alertmanagerPayload());
    const json = { 'content-type': 'application/json' };
    const missing = await h.post('/api/v1/receivers/alertmanager', body, json);
    assert.equal(missing.status, 401);
    assert.equal(missing.body.field, 'authorization');
    assert.match(String(missing.body.error), /Bearer .* or X-Rollwatch-Signature/);
    assert.equal((await h.post('/api/v1/receivers/alertmanager', body, { ...json, authorization: 'Bearer read-secret' })).status, 403, 'a read token may not post');
    assert.equal((await h.post('/api/v1/receivers/alertmanager', body, { ...json, authorization: 'Bearer wrong' })).status, 403);
    // Alertmanager: http_config.authorization { type: Bearer, credentials: <token> } sends exactly this header.
    assert.equal((await h.post('/api/v1/receivers/alertmanager', body, { ...json, authorization: 'Bearer receiver-secret' })).status, 202);
    assert.equal((await h.post('/api/v1/receivers/alertmanager', body, { ...json, authorization: 'Bearer write-secret' })).status, 202);
    assert.equal((await h.post('/api/v1/receivers/alertmanager', body, { ...json, 'x-rollwatch-signature': signBody('shh', body) })).status, 202, 'a signature alone still works');
    const exporter = JSON.stringify([exporterEvent('Unhealthy', 'Readiness probe failed')]);
    assert.equal((await h.post('/api/v1/receivers/kubernetes-event-exporter', exporter, { ...json, authorization: 'Bearer receiver-secret' })).status, 202);
    assert.equal((await h.post('/api/v1/events', JSON.stringify(ev(1)), { ...json, authorization: 'Bearer receiver-secret' })).status, 403, 'the receiver token cannot push arbitrary events');
  });

  it('verifies X-Rollwatch-Signature when a secret is configured', async () => {
    const h = await start({ INGEST_RECEIVER_HMAC_SECRET: 'shh' });
    const body = JSON.stringify(alertmanagerPayload());
    const missing = await h.post('/api/v1/receivers/alertmanager', body);
    assert.equal(missing.status, 401);
    assert.equal(missing.body.field, 'x-rollwatch-signature');
    const wrong = await h.post('/api/v1/receivers/alertmanager', body, { 'content-type': 'application/json', 'x-rollwatch-signature': signBody('other', body) });
    assert.equal(wrong.status, 403);
    const good = await h.post('/api/v1/receivers/alertmanager', body, { 'content-type': 'application/json', 'x-rollwatch-signature': signBody('shh', body) });
    assert.equal(good.status, 202);
  });
});

describe('Kafka outage semantics (bus double: the real Kafka run is ingest.it.test.ts)', () => {
  it('keeps answering 202 from the spool, then 503 with Retry-After once the spool is full; /readyz says why', async () => {
    const h = await start({ INGEST_SPOOL_MAX_BYTES: '2kb', INGEST_SHUTDOWN_TIMEOUT_MS: '100' });
    await h.bus.close(); // publish now throws: behaves like an unreachable broker
    const first = await h.post('/api/v1/events', JSON.stringify([ev(1), ev(2)]));
    assert.equal(first.status, 202);
    assert.equal(h.ingest.delivery()?.mode, 'spooling');
    let last = first;
    for (let i = 0; i < 20 && last.status === 202; i++) last = await h.post('/api/v1/events', JSON.stringify([ev(i), ev(i + 1)]));
    assert.equal(last.status, 503);
    assert.ok(Number(last.headers.get('retry-after')) > 0);
    const ready = await fetch(`${h.url}/readyz`);
    assert.equal(ready.status, 503);
    const body = (await ready.json()) as { checks: { spool: { detail: string } } };
    assert.match(body.checks.spool.detail, /FULL/);
  });
});

describe('sources', () => {
  it('starts given sources with a sink, lists their status, exports connected gauges', async () => {
    let sinkSeen = false;
    const source: Source = {
      name: 'fake',
      async start(sink) {
        sinkSeen = true;
        await sink.emit([{ time: now(), type: 'container_start', instance: 'c1', labels: { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'api' } }]);
        await sink.emit([{ time: now(), type: 'container_start', instance: 'c2' }]); // unmapped: dropped
        await sink.emit([{ time: 'yesterday', type: 'container_start', instance: 'c3', rollout: 'x', group: 'other' }]); // invalid: dropped
      },
      async stop() {},
      status(): SourceStatus {
        return { name: 'fake', connected: true, reconnects: 2, lastEventAt: now() };
      },
    };
    const h = await start({}, [source]);
    assert.ok(sinkSeen);
    await until(() => h.received.length === 1);
    assert.equal(h.received[0]!.key, 'shop/api');
    const response = await fetch(`${h.url}/api/v1/sources`);
    const body = (await response.json()) as { sources: SourceStatus[] };
    assert.equal(body.sources[0]!.name, 'fake');
    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    assert.match(metrics, /rollwatch_ingest_source_connected\{source="fake"[^}]*\} 1/);
    assert.match(metrics, /rollwatch_ingest_events_failed_total\{[^}]*source="fake"[^}]*reason="invalid"[^}]*\} 1/);
    assert.match(metrics, /rollwatch_ingest_events_produced_total\{[^}]*source="fake"[^}]*\} 1/);
  });
});
