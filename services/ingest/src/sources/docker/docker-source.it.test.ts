import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLogger, createRegistry, KafkaBus, loadConfig, TOPICS, type ConsumedMessage } from '@rollwatch/core';
import { ensureKafka, startPodman, type KafkaServer, type PodmanEngine } from '@rollwatch/testkit';
import { ingestConfigSchema } from '../../config.js';
import { createIngest } from '../../ingest.js';
import { dockerSourceConfigSchema } from './config.js';
import { DockerSource } from './docker-source.js';
import { parseEventsIds } from './testing/helpers.js';
import { count, RecordingSink } from './testing/recording-sink.js';
import { SocketProxy } from './testing/socket-proxy.js';

/** One Docker API request over the engine's unix socket (the source under test is not used for it). */
function engineRequest(socketPath: string, method: string, p: string, body?: unknown): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, path: p, method, headers: body === undefined ? {} : { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

const logger = createLogger('docker-source-it', process.env.LOG_LEVEL ?? 'warn');
async function waitConnected(source: DockerSource): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!source.status().connected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.ok(source.status().connected, `not connected: ${source.status().lastError}`);
}
/** A hung engine request must fail this file in minutes, not at the runner's 15-minute cap. */
const SUITE = { timeout: 240_000 };
const CANARY = ['--label', 'rollwatch.io/rollout=demo', '--label', 'rollwatch.io/group=canary'];

describe('DockerSource against a real engine (Podman, Docker API)', SUITE, () => {
  let engine: PodmanEngine;
  let source: DockerSource;
  const sink = new RecordingSink();
  let engineName: string;

  before(async () => {
    engine = await startPodman();
    engineName = JSON.parse(await engine.podman(['info', '--format', 'json'])).host.hostname as string;
    source = new DockerSource(dockerSourceConfigSchema.parse({ DOCKER_HOST: engine.dockerHost }), logger);
    await source.start(sink);
    await waitConnected(source);
  });

  after(async () => {
    await source?.stop();
    await engine?.stop();
  });

  const run = (name: string, args: string[]) => engine.podman(['run', '-d', '--name', name, ...args]);

  it('a canary that prints errors and exits non-zero: start, exit code, error/warn log lines, host-attributed', async () => {
    await run('exit-canary', [...CANARY, engine.image, 'sh', '-c', 'echo starting; echo "ERROR db connection refused" >&2; echo "WARN retrying"; echo ok; exit 3']);
    const events = await sink.waitFor('exit-canary', 'exit and 2 log lines', (e) => count(e, 'container_exit') === 1 && count(e, 'log') === 2);
    const summary = events.map((e) => [e.type, e.exitCode, e.level, e.message]).sort((a, b) => String(a).localeCompare(String(b)));
    assert.deepEqual(summary, [
      ['container_exit', 3, undefined, undefined],
      ['container_start', undefined, undefined, undefined],
      ['log', undefined, 'error', 'ERROR db connection refused'],
      ['log', undefined, 'warn', 'WARN retrying'],
    ]);
    for (const e of events) {
      assert.equal(e.rollout, 'demo');
      assert.equal(e.group, 'canary');
      assert.equal(e.source, 'docker');
      assert.equal(e.host, engineName);
      assert.equal(e.labels!['rollwatch.io/workload'], 'exit-canary');
      assert.equal(e.hostAttributes!.engine, 'podman');
      for (const k of ['kernel', 'engineVersion', 'runcVersion', 'storageDriver', 'cgroupVersion', 'os']) assert.ok(e.hostAttributes![k], `hostAttributes.${k}`);
    }
    assert.equal(new Set(parseEventsIds(events)).size, events.length, 'schema-valid, distinct ids');
  });

  it('a container that starts and exits while the source is still connecting is delivered (replay since start())', async () => {
    // A second source on the same engine: started, then a container runs and exits at once,
    // before the source's first GET /info answered (Podman takes a while). Before the replay
    // since start(), neither event was ever delivered.
    const early = new RecordingSink();
    const late = new DockerSource(dockerSourceConfigSchema.parse({ DOCKER_HOST: engine.dockerHost }), logger);
    await late.start(early);
    try {
      // Over the API, not the CLI: the CLI's own start-up would give the source time to connect.
      const created = await engineRequest(engine.socketPath, 'POST', '/v1.41/containers/create?name=early-canary', { Image: engine.image, Cmd: ['sh', '-c', 'exit 4'], Labels: { 'rollwatch.io/rollout': 'demo', 'rollwatch.io/group': 'canary' } });
      assert.equal(created.status, 201, created.body);
      const started = await engineRequest(engine.socketPath, 'POST', `/v1.41/containers/${(JSON.parse(created.body) as { Id: string }).Id}/start`);
      assert.equal(started.status, 204, started.body);
      assert.equal(late.status().connected, false, 'the container ran before the source connected (else this proves nothing)');
      const events = await early.waitFor('early-canary', 'start and exit', (e) => count(e, 'container_start') >= 1 && count(e, 'container_exit') >= 1);
      await new Promise((r) => setTimeout(r, 500));
      const final = early.of('early-canary');
      assert.equal(count(final, 'container_start'), 1, 'the start once (replay and stream overlap; ids dedupe)');
      assert.equal(count(final, 'container_exit'), 1);
      assert.equal(events.find((e) => e.type === 'container_exit')!.exitCode, 4);
    } finally {
      await late.stop();
    }
  });

  it('a container quiet for longer than the request deadline: its later error lines still arrive', async () => {
    // Podman 4 sends a log follow's response headers only with the first line: the tail of a quiet
    // container hits the deadline. It used to be dropped for good; now it is asked again.
    const quietSink = new RecordingSink();
    const quick = new DockerSource(dockerSourceConfigSchema.parse({ DOCKER_HOST: engine.dockerHost, INGEST_DOCKER_REQUEST_TIMEOUT_MS: '1500' }), logger);
    await quick.start(quietSink);
    try {
      await waitConnected(quick);
      await run('quiet-canary', [...CANARY, engine.image, 'sh', '-c', 'sleep 5; echo "ERROR late failure"; sleep 300']);
      const events = await quietSink.waitFor('quiet-canary', 'the late error line', (e) => count(e, 'log') === 1, 30_000);
      assert.equal(events.find((e) => e.type === 'log')!.message, 'ERROR late failure');
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(count(quietSink.of('quiet-canary'), 'log'), 1, 'asked again from the last line read: no line twice');
    } finally {
      await quick.stop();
      await engine.podman(['rm', '-f', '-t', '0', 'quiet-canary']);
    }
  });

  it('a memory-limited container killed by the OOM killer: exit 137 and exactly one oom_killed', async () => {
    await run('oom-canary', [...CANARY, '--memory', '20m', engine.image, 'sh', '-c', 'head -c 100m /dev/zero | tail > /dev/null']);
    const events = await sink.waitFor('oom-canary', 'oom_killed', (e) => count(e, 'oom_killed') >= 1);
    await new Promise((r) => setTimeout(r, 500));
    const final = sink.of('oom-canary');
    assert.equal(count(final, 'oom_killed'), 1);
    assert.equal(final.find((e) => e.type === 'container_exit')!.exitCode, 137);
    assert.match(events.find((e) => e.type === 'oom_killed')!.message!, /137|OOMKilled/);
  });

  it('a crash loop (--restart on-failure:3): one start, three restarts, four exits, matching RestartCount', async () => {
    await run('loop-canary', [...CANARY, '--restart', 'on-failure:3', engine.image, 'sh', '-c', 'echo "panic: boom"; sleep 1; exit 2']);
    const events = await sink.waitFor('loop-canary', '4 exits', (e) => count(e, 'container_exit') === 4, 40_000);
    const inspect = JSON.parse(await engine.podman(['inspect', 'loop-canary']))[0] as { RestartCount: number };
    assert.equal(inspect.RestartCount, 3);
    assert.equal(count(events, 'container_start'), 1);
    assert.equal(count(events, 'container_restart'), 3);
    assert.ok(events.filter((e) => e.type === 'container_exit').every((e) => e.exitCode === 2));
    await sink.waitFor('loop-canary', '4 panic lines', (e) => count(e, 'log') === 4, 10_000);
  });

  it('health checks: unhealthy then healthy again, one event per transition', async () => {
    await run('health-canary', [...CANARY, '--health-cmd', 'cat /tmp/ready', '--health-retries', '1', engine.image, 'sleep', '300']);
    await sink.waitFor('health-canary', 'start', (e) => count(e, 'container_start') === 1);
    await engine.podman(['healthcheck', 'run', 'health-canary']).catch(() => 'unhealthy');
    const failed = await sink.waitFor('health-canary', 'health_check_failed', (e) => count(e, 'health_check_failed') === 1);
    assert.equal(failed.find((e) => e.type === 'health_check_failed')!.exitCode, 1);
    await engine.podman(['healthcheck', 'run', 'health-canary']).catch(() => 'unhealthy');
    await engine.podman(['exec', 'health-canary', 'sh', '-c', 'echo yes > /tmp/ready']);
    await engine.podman(['healthcheck', 'run', 'health-canary']);
    const events = await sink.waitFor('health-canary', 'health_check_passed', (e) => count(e, 'health_check_passed') === 1);
    assert.equal(count(events, 'health_check_failed'), 1, 'the repeated failure is not a new transition');
    await engine.podman(['rm', '-f', '-t', '0', 'health-canary']);
  });
});

describe('DockerSource reconnects without losing or duplicating restarts', SUITE, () => {
  let engine: PodmanEngine;
  let proxy: SocketProxy;
  let source: DockerSource;
  const sink = new RecordingSink();

  before(async () => {
    engine = await startPodman();
    proxy = new SocketProxy(engine.socketPath, mkdtempSync(path.join(tmpdir(), 'rw-proxy-')));
    await proxy.listen();
    source = new DockerSource(dockerSourceConfigSchema.parse({ DOCKER_HOST: `unix://${proxy.socketPath}`, INGEST_DOCKER_BACKOFF_INITIAL_MS: '100', INGEST_DOCKER_BACKOFF_MAX_MS: '500', INGEST_DOCKER_REQUEST_TIMEOUT_MS: '5000' }), logger);
    await source.start(sink);
    await waitConnected(source);
  });

  after(async () => {
    await source?.stop();
    await proxy?.close();
    await engine?.stop();
  });

  it('drops the connection twice during a crash loop; every restart arrives exactly once', async () => {
    await engine.podman(['run', '-d', '--name', 'flappy', ...CANARY, '--restart', 'on-failure:6', engine.image, 'sh', '-c', 'sleep 1; exit 1']);
    for (let drop = 1; drop <= 2; drop++) {
      await sink.waitFor('flappy', `restart #${drop * 2 - 1}`, (e) => count(e, 'container_restart') >= drop * 2 - 1, 30_000);
      proxy.drop();
      // Stay away long enough for restarts to happen unseen.
      await new Promise((r) => setTimeout(r, 2500));
      proxy.restore();
    }
    const events = await sink.waitFor('flappy', '7 exits', (e) => count(e, 'container_exit') === 7, 60_000);
    await new Promise((r) => setTimeout(r, 1000));
    const final = sink.of('flappy');
    const inspect = JSON.parse(await engine.podman(['inspect', 'flappy']))[0] as { RestartCount: number };
    assert.equal(inspect.RestartCount, 6);
    assert.equal(count(final, 'container_restart'), 6, JSON.stringify(final.map((e) => e.type)));
    assert.equal(count(final, 'container_start'), 1);
    assert.equal(count(final, 'container_exit'), 7);
    assert.equal(new Set(final.map((e) => e.id)).size, final.length, 'no duplicate ids');
    // Two drops, but on a loaded machine the second can land while the source is still backing off
    // from the first and count as one reconnect; what matters is above: nothing lost or doubled.
    assert.ok(source.status().reconnects >= 1, `reconnects: ${source.status().reconnects}`);
    assert.equal(events.length <= final.length, true);
  });
});

describe('DockerSource through the ingest pipeline into real Kafka', SUITE, () => {
  let engine: PodmanEngine;
  let kafka: KafkaServer;

  before(async () => {
    [engine, kafka] = await Promise.all([startPodman(), ensureKafka({ fresh: true })]);
  });
  after(async () => {
    await engine?.stop();
    await kafka?.stop();
  });

  it('a labelled canary exit lands on rollwatch.events with rollout, group and host attributes', async () => {
    const config = loadConfig(ingestConfigSchema, {
      env: { KAFKA_BROKERS: kafka.bootstrap, INGEST_SPOOL_DIR: mkdtempSync(path.join(tmpdir(), 'rw-spool-')), DOCKER_HOST: engine.dockerHost, LOG_LEVEL: 'warn' },
    });
    const bus = new KafkaBus({ brokers: kafka.brokers, clientId: 'docker-it' });
    await bus.ensureTopics();
    const source = new DockerSource(dockerSourceConfigSchema.parse({ DOCKER_HOST: engine.dockerHost }), logger);
    const ingest = createIngest({ config, bus, logger, registry: createRegistry('ingest'), sources: [source] });
    const received: Record<string, unknown>[] = [];
    const sub = await bus.subscribe({
      topics: [TOPICS.events], groupId: `docker-it-${Date.now()}`, fromBeginning: true,
      handler: async (batch: ConsumedMessage[]) => {
        for (const m of batch) received.push(JSON.parse(m.value) as Record<string, unknown>);
      },
    });
    try {
      await ingest.start();
      await waitConnected(source);
      await engine.podman(['run', '-d', '--name', 'kafka-canary', ...CANARY, engine.image, 'sh', '-c', 'echo "FATAL: config missing"; exit 78']);
      const deadline = Date.now() + 60_000;
      let exit: Record<string, unknown> | undefined;
      while (!exit && Date.now() < deadline) {
        exit = received.find((e) => e.instance === 'kafka-canary' && e.type === 'container_exit');
        if (!exit) await new Promise((r) => setTimeout(r, 200));
      }
      assert.ok(exit, `no container_exit on ${TOPICS.events}; got ${JSON.stringify(received.map((e) => [e.instance, e.type]))}`);
      assert.equal(exit.rollout, 'demo');
      assert.equal(exit.group, 'canary');
      assert.equal(exit.exitCode, 78);
      assert.equal((exit.hostAttributes as Record<string, string>).engine, 'podman');
      assert.match(String(exit.id), /^[0-9a-f]{32}$/);
    } finally {
      await sub.stop();
      await ingest.stop();
      await bus.close();
    }
  });
});
