import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes, createHmac, timingSafeEqual } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CliIo } from './cli.js';
import { startServices } from './embedded.js';

interface Received {
  at: number;
  body: Record<string, unknown>;
  verified: boolean;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Verifies a Standard Webhooks signature (what a receiver of rollwatch's webhooks does). */
export function verifyStandardWebhook(secret: string, headers: IncomingMessage['headers'], body: string): boolean {
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  const signature = headers['webhook-signature'];
  if (typeof id !== 'string' || typeof timestamp !== 'string' || typeof signature !== 'string') return false;
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest();
  return signature.split(' ').some((part) => {
    const [version, value] = part.split(',');
    if (version !== 'v1' || !value) return false;
    const given = Buffer.from(value, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

/** A local HTTP server standing in for a CI/CD system that rolls back when told. */
async function startReceiver(secret: string): Promise<{ url: string; received: Received[]; close: () => void }> {
  const received: Received[] = [];
  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    let parsed: Record<string, unknown> = {};
    try {
      parsed = JSON.parse(body) as Record<string, unknown>;
    } catch {
      /* keep empty */
    }
    received.push({ at: Date.now(), body: parsed, verified: verifyStandardWebhook(secret, req.headers, body) });
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/rollback`, received, close: () => server.close() };
}

type Line = (text: string) => void;

/**
 * `npm run demo`: a healthy baseline and a canary that starts crash-looping and OOM-killing, pushed
 * through the real ingest API; prints the timeline until the rollback webhook arrives, exits 0.
 */
export async function demoCommand(argv: string[], io: CliIo): Promise<number> {
  const useStack = argv.includes('--stack');
  const t0 = Date.now();
  const say: Line = (text) => io.stdout.write(`[${((Date.now() - t0) / 1000).toFixed(2).padStart(6)}s] ${text}\n`);
  const secret = `whsec_${randomBytes(24).toString('base64')}`;
  const receiver = await startReceiver(secret);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    ALERTS_ACTUATOR: 'webhook',
    ALERTS_ACTUATOR_URL: receiver.url,
    // The demo's actuator is a local stub receiver: any workload may be "rolled back".
    ALERTS_ACTUATION_TARGETS: '*/*',
    ALERTS_WEBHOOK_SECRET: secret,
    ALERTS_ACTUATOR_SECRET: secret,
  };
  let stopServers = async (): Promise<void> => {};
  if (useStack) {
    const { ensureElasticsearch, ensureKafka } = await import('@rollwatch/testkit');
    say('starting Kafka and Elasticsearch...');
    const [kafka, es] = await Promise.all([ensureKafka(), ensureElasticsearch()]);
    env.KAFKA_BROKERS = kafka.bootstrap;
    env.ELASTICSEARCH_URL = es.url;
    stopServers = async () => void (await Promise.allSettled([kafka.stop(), es.stop()]));
  } else {
    delete env.KAFKA_BROKERS;
    delete env.ELASTICSEARCH_URL;
  }
  const stack = await startServices({ env, ports: { ingest: 0, detector: 0, alerts: 0 } });
  const ingest = `http://127.0.0.1:${stack.ports.ingest}`;
  const detector = `http://127.0.0.1:${stack.ports.detector}`;
  say(`services up (${stack.bus.kind} bus, ${stack.store.kind} store): ingest ${ingest}, detector ${detector}, alerts :${stack.ports.alerts}`);
  const rollout = `checkout-demo-${randomBytes(3).toString('hex')}`;
  const post = async (events: Record<string, unknown>[]): Promise<void> => {
    const res = await fetch(`${ingest}/api/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(events) });
    if (res.status !== 202) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
  };
  const base = (group: string, instance: string, host: string, kernel: string) => ({ rollout, group, instance, host, service: 'checkout', version: group === 'canary' ? '2.0.0' : '1.9.3', source: 'demo', hostAttributes: { kernel, storageDriver: 'overlay2' } });
  const fleet = [
    base('baseline', 'checkout-7f9c-a', 'node-1', '6.1.0-13'),
    base('baseline', 'checkout-7f9c-b', 'node-2', '6.1.0-13'),
    base('baseline', 'checkout-7f9c-c', 'node-3', '6.1.0-13'),
    base('canary', 'checkout-84d2-a', 'node-4', '6.1.0-13'),
  ];
  let lastDecision = '';
  let exitCode = 1;
  try {
    // Phase 1: everyone healthy for a while (traffic and a few info logs).
    const start = Date.now() - 120_000;
    const healthy: Record<string, unknown>[] = [];
    for (let s = 0; s < 120; s += 10) {
      for (const inst of fleet) {
        const time = start + s * 1000;
        healthy.push({ ...inst, time, type: 'metric', metric: 'http_requests_total', value: 100 + (s % 7) });
        healthy.push({ ...inst, time, type: 'metric', metric: 'http_errors_total', value: s % 30 === 0 ? 1 : 0 });
        healthy.push({ ...inst, time, type: 'health_check_passed' });
      }
    }
    for (const inst of fleet) healthy.push({ ...inst, time: start, type: 'container_start' });
    await post(healthy);
    say(`pushed ${healthy.length} events: baseline x3 and canary x1 healthy for 2 minutes`);
    // Phase 2: the canary starts crash-looping and getting OOM-killed.
    const canary = fleet[3]!;
    for (let i = 0; i < 4; i++) {
      const time = Date.now();
      await post([
        { ...canary, time, type: 'oom_killed', exitCode: 137, message: 'container exceeded memory limit 256Mi' },
        { ...canary, time: time + 1, type: 'container_exit', exitCode: 137 },
        { ...canary, time: time + 2, type: 'log', level: 'fatal', message: `java.lang.OutOfMemoryError: Java heap space at com.shop.Cart.load(Cart.java:${88 + i})` },
        { ...canary, time: time + 3, type: 'container_restart', exitCode: 137 },
      ]);
      say(`canary ${canary.instance}: OOMKilled (exit 137) and restarted (#${i + 1})`);
      const verdict = (await (await fetch(`${detector}/api/v1/rollouts/${encodeURIComponent(rollout)}/verdict`)).json()) as { decision: string; score: number | null; reasons?: { message: string; severity?: string }[] };
      if (verdict.decision !== lastDecision) {
        lastDecision = verdict.decision;
        say(`verdict: ${verdict.decision.toUpperCase()} (score ${verdict.score ?? 'n/a'})`);
        for (const r of (verdict.reasons ?? []).filter((r) => r.severity !== 'info').slice(0, 4)) say(`   - [${r.severity ?? 'reason'}] ${r.message}`);
      }
      if (receiver.received.length > 0) break;
      await sleep(300);
    }
    const deadline = Date.now() + 15_000;
    while (receiver.received.length === 0 && Date.now() < deadline) await sleep(50);
    const hook = receiver.received[0];
    if (!hook) {
      say('no rollback webhook arrived within 15 s — FAILED');
    } else {
      say(`rollback webhook received by the local receiver (${hook.verified ? 'signature verified' : 'SIGNATURE INVALID'}): ${JSON.stringify(hook.body).slice(0, 240)}`);
      const gate = await fetch(`${detector}/api/v1/rollouts/${encodeURIComponent(rollout)}/gate`);
      say(`GET /api/v1/rollouts/${rollout}/gate → HTTP ${gate.status} (409 = no-go: a CI step with curl --fail stops here)`);
      exitCode = hook.verified && gate.status === 409 ? 0 : 1;
    }
  } finally {
    await stack.stop();
    receiver.close();
    await stopServers();
  }
  say(exitCode === 0 ? 'demo finished: bad canary caught and rolled back' : 'demo FAILED');
  return exitCode;
}
