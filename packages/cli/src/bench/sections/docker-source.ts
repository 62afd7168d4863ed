// Docker-source throughput: container lifecycle events from a real engine (Podman's Docker API,
// started by @rollwatch/testkit) through ingest's docker source into real Kafka. The ceiling is the
// engine itself: the same /events stream read directly, in the same run. Containers are created and
// started over the Docker API (no CLI process per container), each running `true`, so every one
// yields exactly one `start` and one `die` on the engine and one container_start and one
// container_exit in Kafka; lag is measured per (container, event) between the two arrival times.
import http from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { closeServer, createBus, createLogger, createRegistry, KafkaBus, listen, loadConfig, TOPICS, type Subscription } from '@rollwatch/core';
import { createIngest, ingestConfigSchema } from '@rollwatch/ingest';
import { distribution, ratio, round, type Distribution } from '../stats.js';

export interface DockerSourceResult {
  engine: string;
  containers: number;
  concurrency: number;
  /** All container events of this run's containers on the engine's /events stream (create, init, start, die, …). */
  engineEvents: number;
  /** The `start` + `die` events among them: the ones rollwatch turns into container_start / container_exit. */
  engineLifecycleEvents: number;
  engineSeconds: number;
  /** engineLifecycleEvents / engineSeconds: the ceiling (the engine cannot report faster than it runs containers). */
  engineLifecycleEventsPerSecond: number;
  engineAllEventsPerSecond: number;
  /** container_start + container_exit of this run's containers consumed back from rollwatch.events. */
  kafkaEvents: number;
  kafkaSeconds: number;
  kafkaEventsPerSecond: number;
  /** kafkaEventsPerSecond / engineLifecycleEventsPerSecond. */
  ratio: number | null;
  /** Lifecycle events the engine reported that never reached Kafka within the drain timeout. */
  missing: number;
  /** Engine /events arrival → consumed from Kafka, per event, ms. */
  lagMs: Distribution;
  note: string;
}

type DockerEvent = { Type?: string; Action?: string; status?: string; Actor?: { Attributes?: Record<string, string> } };

function dockerRequest(socketPath: string, method: string, p: string, body?: unknown): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request({ socketPath, path: p, method, timeout: 60_000, headers: payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {} }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${p}: timeout`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** Reads the engine's /events stream (NDJSON) and hands every container event to `onEvent` with its arrival time. */
function watchEngineEvents(socketPath: string, onEvent: (e: DockerEvent, at: number) => void): Promise<{ close(): void }> {
  return new Promise((resolve, reject) => {
    const filters = encodeURIComponent(JSON.stringify({ type: ['container'] }));
    const req = http.request({ socketPath, path: `/v1.41/events?filters=${filters}`, method: 'GET' }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`engine /events answered ${res.statusCode}`));
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        const at = Date.now();
        buffer += chunk;
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl).trim();
          buffer = buffer.slice(nl + 1);
          if (line) onEvent(JSON.parse(line) as DockerEvent, at);
        }
      });
      resolve({ close: () => req.destroy() });
    });
    req.on('error', (e) => (e.message === 'socket hang up' ? undefined : reject(e)));
    req.end();
  });
}

export async function measureDockerSource(brokers: string[], containers: number, concurrency: number): Promise<DockerSourceResult> {
  const { startPodman } = await import('@rollwatch/testkit');
  const engine = await startPodman();
  const run = randomUUID().slice(0, 8);
  const rollout = `bench-docker-${run}`;
  const prefix = `rwb-${run}-`;
  const spoolDir = await mkdtemp(path.join(os.tmpdir(), 'rollwatch-bench-docker-'));
  const logger = createLogger('bench', 'silent');
  const config = loadConfig(ingestConfigSchema, {
    env: { KAFKA_BROKERS: brokers.join(','), KAFKA_CLIENT_ID: `rollwatch-bench-docker-${run}`, LOG_LEVEL: 'silent', INGEST_SPOOL_DIR: spoolDir, INGEST_RATE_LIMIT: '0', INGEST_MAX_NEW_ROLLOUTS_PER_MINUTE: '0', INGEST_SOURCES: 'docker', DOCKER_HOST: engine.dockerHost },
  });
  const bus = createBus(config, 'ingest', logger);
  const ingest = createIngest({ config, bus, logger, registry: createRegistry('ingest') });
  const watcher = new KafkaBus({ brokers, clientId: `rollwatch-bench-docker-watch-${run}` });
  const engineSeen = new Map<string, number>();
  const kafkaSeen = new Map<string, number>();
  let engineEvents = 0;
  let subscription: Subscription | undefined;
  let stream: { close(): void } | undefined;
  const { server } = await listen(ingest.app, 0, '127.0.0.1');
  try {
    const version = JSON.parse((await dockerRequest(engine.socketPath, 'GET', '/v1.41/version')).body) as { Version?: string };
    await ingest.start();
    subscription = await watcher.subscribe({
      groupId: `rollwatch-bench-docker-${run}`,
      topics: [TOPICS.events],
      fromBeginning: false,
      handler: async (messages) => {
        const at = Date.now();
        for (const m of messages) {
          const e = JSON.parse(m.value) as { rollout?: string; type?: string; labels?: Record<string, string> };
          const name = e.labels?.['rollwatch.io/workload'];
          if (e.rollout !== rollout || !name || (e.type !== 'container_start' && e.type !== 'container_exit')) continue;
          const key = `${name}/${e.type === 'container_start' ? 'start' : 'die'}`;
          if (!kafkaSeen.has(key)) kafkaSeen.set(key, at);
        }
      },
    });
    stream = await watchEngineEvents(engine.socketPath, (e, at) => {
      const name = e.Actor?.Attributes?.name ?? '';
      if (!name.startsWith(prefix)) return;
      engineEvents++;
      const action = e.Action ?? e.status ?? '';
      if ((action === 'start' || action === 'die') && !engineSeen.has(`${name}/${action}`)) engineSeen.set(`${name}/${action}`, at);
    });
    const startContainer = async (name: string): Promise<void> => {
      const created = await dockerRequest(engine.socketPath, 'POST', `/v1.41/containers/create?name=${name}`, {
        Image: engine.image,
        Cmd: ['true'],
        Labels: { 'rollwatch.io/rollout': rollout, 'rollwatch.io/group': 'canary' },
      });
      if (created.status !== 201) throw new Error(`create ${name}: ${created.status} ${created.body.slice(0, 200)}`);
      const id = (JSON.parse(created.body) as { Id: string }).Id;
      const started = await dockerRequest(engine.socketPath, 'POST', `/v1.41/containers/${id}/start`);
      if (started.status !== 204) throw new Error(`start ${name}: ${started.status} ${started.body.slice(0, 200)}`);
    };
    const waitUntil = async (what: string, done: () => boolean, timeoutMs: number): Promise<boolean> => {
      const until = Date.now() + timeoutMs;
      while (!done() && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      if (!done() && what) throw new Error(`docker source: ${what} not seen within ${timeoutMs / 1000} s`);
      return done();
    };

    // Warm-up: the consumer group joins asynchronously and the source connects on its own schedule;
    // one container seen end to end proves both before the timed run (it is not counted).
    const warm = `${prefix}warm`;
    await startContainer(warm);
    await waitUntil('warm-up container in Kafka', () => kafkaSeen.has(`${warm}/die`), 60_000);
    engineSeen.clear();
    kafkaSeen.clear();
    engineEvents = 0;

    const names = Array.from({ length: containers }, (_, i) => `${prefix}${i}`);
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < names.length) await startContainer(names[next++]!);
      }),
    );
    const expected = containers * 2;
    await waitUntil('', () => engineSeen.size >= expected, 30_000);
    await waitUntil('', () => [...engineSeen.keys()].every((k) => kafkaSeen.has(k)), 30_000);

    const engineTimes = [...engineSeen.values()];
    const t0 = engineTimes.reduce((a, b) => Math.min(a, b), Infinity);
    const engineSeconds = Math.max(0.001, (engineTimes.reduce((a, b) => Math.max(a, b), -Infinity) - t0) / 1000);
    const landed = [...kafkaSeen.entries()].filter(([k]) => engineSeen.has(k));
    const kafkaSeconds = Math.max(0.001, (landed.reduce((a, [, at]) => Math.max(a, at), -Infinity) - t0) / 1000);
    const enginePerSecond = engineSeen.size / engineSeconds;
    const kafkaPerSecond = landed.length / kafkaSeconds;
    return {
      engine: `podman ${version.Version ?? 'unknown'} (Docker API)`,
      containers,
      concurrency,
      engineEvents,
      engineLifecycleEvents: engineSeen.size,
      engineSeconds: round(engineSeconds, 2),
      engineLifecycleEventsPerSecond: round(enginePerSecond, 1),
      engineAllEventsPerSecond: round(engineEvents / engineSeconds, 1),
      kafkaEvents: landed.length,
      kafkaSeconds: round(kafkaSeconds, 2),
      kafkaEventsPerSecond: round(kafkaPerSecond, 1),
      ratio: ratio(kafkaPerSecond, enginePerSecond),
      missing: engineSeen.size - landed.length,
      lagMs: distribution(landed.map(([k, at]) => at - engineSeen.get(k)!)),
      note: 'rates from the first engine event of the run to the last arrival on each side; the engine (container create/start via its API on the same 2 cores) is the bottleneck, so a ratio near 1 means the source keeps up',
    };
  } finally {
    stream?.close();
    await subscription?.stop().catch(() => undefined);
    await watcher.close().catch(() => undefined);
    await closeServer(server).catch(() => undefined);
    await ingest.stop().catch(() => undefined);
    await bus.close().catch(() => undefined);
    await engine.stop().catch(() => undefined);
    await rm(spoolDir, { recursive: true, force: true });
  }
}
