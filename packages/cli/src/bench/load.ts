// Load generation for the ingest benchmark: event bodies, an HTTP push driver with keep-alive
// clients, and the raw-producer message form of the same events. Traffic goes to 127.0.0.1 only.
import http from 'node:http';
import { Worker } from 'node:worker_threads';
import { parseEvent, type BusMessage, type RollwatchEventInput } from '@rollwatch/core';
import { HEADER_SOURCE, HEADER_TYPE } from '@rollwatch/ingest';

/** Event i of a load run: metric reports spread over 64 rollouts (so all partitions get traffic). */
export function loadEvent(i: number, baseMs: number, tag: string): RollwatchEventInput {
  return {
    time: baseMs + (i % 600_000),
    rollout: `bench-ingest-${i % 64}`,
    group: i % 3 === 0 ? 'canary' : 'baseline',
    type: 'metric',
    instance: `bench-${tag}-${i % 512}`,
    service: 'bench',
    metric: 'http_requests_total',
    value: i,
  };
}

export function loadEvents(count: number, baseMs: number, tag: string): RollwatchEventInput[] {
  return Array.from({ length: count }, (_, i) => loadEvent(i, baseMs, tag));
}

/** The message ingest publishes for an event pushed over HTTP (same key, value and headers). */
export function toBusMessage(input: RollwatchEventInput): BusMessage {
  const parsed = parseEvent(input);
  if (!parsed.ok) throw new Error(`bench event invalid: ${parsed.errors.map((e) => e.message).join('; ')}`);
  const event = parsed.event;
  return { key: event.rollout, value: JSON.stringify(event), headers: { [HEADER_SOURCE]: 'http', [HEADER_TYPE]: event.type } };
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export interface PushResult {
  requests: number;
  events: number;
  seconds: number;
  /** Non-2xx answers (the run fails when there are any). */
  failures: { status: number; body: string }[];
  requestLatencyMs: number[];
}

function post(agent: http.Agent, port: number, path: string, body: string, token?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
    if (token) headers.authorization = `Bearer ${token}`;
    const req = http.request({ host: '127.0.0.1', port, path, method: 'POST', agent, headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Sends every body with `clients` concurrent keep-alive connections; resolves when all answered. */
export async function pushAll(port: number, bodies: readonly { json: string; events: number }[], clients: number, token?: string): Promise<PushResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
  let next = 0;
  let events = 0;
  const failures: PushResult['failures'] = [];
  const latencies: number[] = [];
  const start = process.hrtime.bigint();
  try {
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (next < bodies.length) {
          const body = bodies[next++]!;
          const t = process.hrtime.bigint();
          const res = await post(agent, port, '/api/v1/events', body.json, token);
          latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
          if (res.status === 202) events += body.events;
          else if (failures.length < 20) failures.push({ status: res.status, body: res.body.slice(0, 300) });
          else failures.push({ status: res.status, body: '' });
        }
      }),
    );
  } finally {
    agent.destroy();
  }
  return { requests: bodies.length, events, seconds: Number(process.hrtime.bigint() - start) / 1e9, failures, requestLatencyMs: latencies };
}

/** pushAll on a worker thread (see load-worker.ts). */
export function pushAllInWorker(port: number, bodies: readonly { json: string; events: number }[], clients: number): Promise<PushResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./load-worker.js', import.meta.url), { workerData: { port, bodies, clients } });
    worker.once('message', (m: { ok: true; result: PushResult } | { ok: false; error: string }) => {
      void worker.terminate();
      if (m.ok) resolve(m.result);
      else reject(new Error(m.error));
    });
    worker.once('error', reject);
  });
}
