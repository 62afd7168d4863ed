#!/usr/bin/env node
// rollwatch-testkit: fetch artifacts, or bring real servers up for `npm run stack` / manual testing.
//   node packages/testkit/dist/bin.js fetch
//   node packages/testkit/dist/bin.js up [--kafka] [--es] [--podman] [--prometheus] [--alertmanager] [--write-env <path>]
// `up` with no server flags starts all five. Env assignments go to stdout, progress to stderr.
import { writeFileSync } from 'node:fs';
import { ensureElasticsearch, ensureKafka, fetchKafka, fetchElasticsearch, startAlertmanager, startPodman, startPrometheus } from './index.js';

const USAGE = `usage:
  rollwatch-testkit fetch
      download Kafka and Elasticsearch from Maven Central into ~/.cache/rollwatch (no-op when cached)
  rollwatch-testkit up [--kafka] [--es] [--podman] [--prometheus] [--alertmanager] [--write-env <path>]
      start the servers (all of them when none is named), print KAFKA_BROKERS=... ELASTICSEARCH_URL=...
      DOCKER_HOST=... PROMETHEUS_URL=... ALERTMANAGER_URL=... and run until SIGINT/SIGTERM`;

const log = (msg: string): void => { process.stderr.write(`[testkit] ${msg}\n`); };
const secs = (t0: number): string => `${((Date.now() - t0) / 1000).toFixed(1)} s`;

async function fetchCmd(): Promise<void> {
  const t0 = Date.now();
  const [k, e] = await Promise.all([
    fetchKafka().then((r) => { log(`Kafka ${r.version}: ${r.libs} (${secs(t0)})`); return r; }),
    fetchElasticsearch().then((r) => { log(`Elasticsearch ${r.version}: ${r.home} (${secs(t0)})`); return r; }),
  ]);
  void k; void e;
  log(`fetch done in ${secs(t0)}`);
}

interface Stoppable { name: string; stop(): Promise<void> }

async function upCmd(args: string[]): Promise<void> {
  const known = new Set(['--kafka', '--es', '--elasticsearch', '--podman', '--prometheus', '--alertmanager', '--write-env']);
  let envFile: string | undefined;
  const flags = new Set<string>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!known.has(a)) throw new Error(`unknown option ${a}\n${USAGE}`);
    if (a === '--write-env') {
      envFile = args[++i];
      if (!envFile) throw new Error('--write-env needs a path');
    } else flags.add(a === '--elasticsearch' ? '--es' : a);
  }
  const all = flags.size === 0;
  const want = (f: string): boolean => all || flags.has(f);
  const running: Stoppable[] = [];
  const env: [string, string][] = [];
  let shuttingDown = false;
  const shutdown = async (code: number): Promise<never> => {
    if (!shuttingDown) {
      shuttingDown = true;
      log('stopping…');
      // Reverse start order: Prometheus before Alertmanager, etc.
      for (const s of running.reverse()) {
        const t0 = Date.now();
        try { await s.stop(); log(`${s.name} stopped (${secs(t0)})`); } catch (e) { log(`${s.name}: stop failed: ${(e as Error).message}`); code = 1; }
      }
    }
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  try {
    const t0 = Date.now();
    const jobs: Promise<void>[] = [];
    if (want('--kafka')) {
      jobs.push(ensureKafka().then((k) => { running.push({ name: 'kafka', stop: k.stop }); env.push(['KAFKA_BROKERS', k.bootstrap]); log(`Kafka (${k.source}) ready at ${k.bootstrap} in ${secs(t0)}${k.logFile ? `; log ${k.logFile}` : ''}`); }));
    }
    if (want('--es')) {
      jobs.push(ensureElasticsearch().then((e) => { running.push({ name: 'elasticsearch', stop: e.stop }); env.push(['ELASTICSEARCH_URL', e.url]); log(`Elasticsearch (${e.source}) ready at ${e.url} in ${secs(t0)}${e.logFile ? `; log ${e.logFile}` : ''}`); }));
    }
    if (want('--podman')) {
      jobs.push(startPodman().then((p) => {
        running.push({ name: 'podman', stop: p.stop });
        env.push(['DOCKER_HOST', p.dockerHost], ['CONTAINERS_CONF', p.env.CONTAINERS_CONF!], ['CONTAINERS_STORAGE_CONF', p.env.CONTAINERS_STORAGE_CONF!], ['ROLLWATCH_BUSYBOX_IMAGE', p.image]);
        log(`Podman ready at ${p.dockerHost} in ${secs(t0)} (image ${p.image})`);
      }));
    }
    const amJob = want('--alertmanager')
      ? startAlertmanager().then((a) => { running.push({ name: 'alertmanager', stop: a.stop }); env.push(['ALERTMANAGER_URL', a.url]); log(`Alertmanager ready at ${a.url} in ${secs(t0)}`); return a; })
      : Promise.resolve(undefined);
    jobs.push(amJob.then(() => undefined));
    if (want('--prometheus')) {
      jobs.push(amJob.then(async (am) => {
        const p = await startPrometheus({ alertmanagers: am ? [am.url] : [] });
        running.push({ name: 'prometheus', stop: p.stop });
        env.push(['PROMETHEUS_URL', p.url]);
        log(`Prometheus ready at ${p.url} in ${secs(t0)} (config ${p.configFile}, reloadable via POST /-/reload)`);
      }));
    }
    const results = await Promise.allSettled(jobs);
    const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failures.length) {
      for (const f of failures) log(`FAILED: ${(f.reason as Error)?.stack ?? String(f.reason)}`);
      await shutdown(1);
    }
    const order = ['KAFKA_BROKERS', 'ELASTICSEARCH_URL', 'DOCKER_HOST', 'CONTAINERS_CONF', 'CONTAINERS_STORAGE_CONF', 'ROLLWATCH_BUSYBOX_IMAGE', 'PROMETHEUS_URL', 'ALERTMANAGER_URL'];
    env.sort((a, b) => order.indexOf(a[0]) - order.indexOf(b[0]));
    const text = env.map(([k, v]) => `${k}=${v}`).join('\n') + '\n';
    process.stdout.write(text);
    if (envFile) writeFileSync(envFile, text);
    log(`all up in ${secs(t0)}; Ctrl-C (SIGINT) or SIGTERM to stop`);
    // Keep the process alive until a signal arrives.
    setInterval(() => undefined, 1 << 30);
  } catch (e) {
    log(`FAILED: ${(e as Error).stack ?? String(e)}`);
    await shutdown(1);
  }
}

async function main(): Promise<void> {
  const [cmd, ...rest] = process.argv.slice(2);
  switch (cmd) {
    case 'fetch':
      await fetchCmd();
      return;
    case 'up':
      await upCmd(rest);
      return;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE + '\n');
      if (cmd === undefined) process.exitCode = 2;
      return;
    default:
      process.stderr.write(`unknown command ${cmd}\n${USAGE}\n`);
      process.exitCode = 2;
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`[testkit] ${(e as Error)?.stack ?? String(e)}\n`);
  process.exitCode = 1;
});
