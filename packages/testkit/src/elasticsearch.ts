import { copyFileSync, cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { useContainers } from './docker.js';
import { ES_VERSION, fetchElasticsearch } from './fetch.js';
import { ensureDir, envFlag, freePort, ManagedProcess, startManaged, runSync, tmpDir, waitFor, type TestServer } from './util.js';

export interface ElasticsearchServer extends TestServer {
  /** Base URL, e.g. `http://127.0.0.1:41234` (the value of `ELASTICSEARCH_URL`). */
  url: string;
}

export interface ElasticsearchOptions {
  /** Always start a private node, even when ELASTICSEARCH_URL is set. */
  fresh?: boolean;
  /** Start-up timeout (default 180 s). */
  startTimeoutMs?: number;
  /** Heap (default 512m, used for -Xms and -Xmx). */
  heap?: string;
  /** Extra elasticsearch.yml settings. */
  settings?: Record<string, string | number | boolean>;
}

/** The unprivileged account Elasticsearch runs as when we are root (it refuses to run as root). */
export const ES_USER = process.env.ROLLWATCH_ES_USER ?? 'rollwatch';

function unsupported(what: string): () => Promise<never> {
  return () => Promise.reject(new Error(`${what} is not supported: Elasticsearch comes from ELASTICSEARCH_URL (an external server). Use ensureElasticsearch({ fresh: true }) for a node you can kill/restart.`));
}

/** Health probe: resolves true once the cluster is yellow or green. */
export async function elasticsearchReady(url: string): Promise<boolean> {
  const u = new URL('/_cluster/health?wait_for_status=yellow&timeout=2s', url);
  const headers: Record<string, string> = {};
  if (u.username) {
    headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}`;
    u.username = '';
    u.password = '';
  }
  const res = await fetch(u, { headers, signal: AbortSignal.timeout(5000) });
  if (res.status !== 200) return false;
  const body = (await res.json()) as { status?: string };
  return body.status === 'yellow' || body.status === 'green';
}

/** A JDK 21+ for Elasticsearch: ES_JAVA_HOME, else the newest under /usr/lib/jvm. */
export function findEsJavaHome(): string {
  const fromEnv = envFlag('ES_JAVA_HOME');
  if (fromEnv) return fromEnv;
  const root = '/usr/lib/jvm';
  const found: { home: string; major: number }[] = [];
  if (existsSync(root)) {
    for (const d of readdirSync(root)) {
      const home = path.join(root, d);
      const rel = path.join(home, 'release');
      if (!existsSync(path.join(home, 'bin', 'java')) || !existsSync(rel)) continue;
      const m = /JAVA_VERSION="(\d+)/.exec(readFileSync(rel, 'utf8'));
      if (m) found.push({ home, major: Number(m[1]) });
    }
  }
  found.sort((a, b) => b.major - a.major);
  const best = found[0];
  if (!best || best.major < 21) {
    throw new Error(`ensureElasticsearch: Elasticsearch ${ES_VERSION} needs a JDK 21+; none under ${root} (found: ${found.map((f) => `${f.home}=${f.major}`).join(', ') || 'none'}). Set ES_JAVA_HOME.`);
  }
  return best.home;
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Create the system user Elasticsearch runs as (idempotent; root only). */
export function ensureEsUser(): void {
  try {
    runSync('id', ['-u', ES_USER]);
  } catch {
    runSync('useradd', ['--system', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', ES_USER]);
  }
}

function canUserRead(file: string): boolean {
  try {
    runSync('runuser', ['-u', ES_USER, '--', 'test', '-r', file]);
    return true;
  } catch {
    return false;
  }
}

/** Elasticsearch for tests: ELASTICSEARCH_URL, else testcontainers, else a local node from Maven Central. */
export async function ensureElasticsearch(opts: ElasticsearchOptions = {}): Promise<ElasticsearchServer> {
  const env = envFlag('ELASTICSEARCH_URL');
  if (env && !opts.fresh) {
    await waitFor(`Elasticsearch at ELASTICSEARCH_URL=${env}`, () => elasticsearchReady(env), { timeoutMs: 30_000, intervalMs: 500 });
    return { url: env.replace(/\/$/, ''), source: 'env', stop: async () => undefined, kill: unsupported('kill()'), restart: unsupported('restart()') };
  }
  if (await useContainers()) return startElasticsearchContainer(opts);
  return startLocalElasticsearch(opts);
}

async function startElasticsearchContainer(opts: ElasticsearchOptions): Promise<ElasticsearchServer> {
  const { ElasticsearchContainer } = await import('@testcontainers/elasticsearch');
  const image = process.env.ROLLWATCH_ES_IMAGE ?? `docker.elastic.co/elasticsearch/elasticsearch:${ES_VERSION}`;
  const heap = opts.heap ?? '512m';
  const c = await new ElasticsearchContainer(image).withEnvironment({ ES_JAVA_OPTS: `-Xms${heap} -Xmx${heap}` }).start();
  const u = new URL(c.getHttpUrl());
  u.username = c.getUsername();
  u.password = c.getPassword();
  const url = u.toString().replace(/\/$/, '');
  return {
    url, source: 'testcontainers',
    stop: async () => { await c.stop(); },
    kill: async () => { await c.stop({ timeout: 0, remove: false }); },
    restart: async () => { await c.restart(); },
  };
}

export async function startLocalElasticsearch(opts: ElasticsearchOptions = {}): Promise<ElasticsearchServer> {
  const javaHome = findEsJavaHome();
  const art = await fetchElasticsearch();
  const root = isRoot();
  if (root) ensureEsUser();
  const dataDir = tmpDir('es');
  const httpPort = await freePort();
  const transportPort = await freePort();
  const confDir = ensureDir(path.join(dataDir, 'config'));
  const logsDir = ensureDir(path.join(dataDir, 'logs'));
  const tmp = ensureDir(path.join(dataDir, 'tmp'));
  ensureDir(path.join(dataDir, 'data'));
  const logFile = path.join(dataDir, 'console.log');

  // The cached install lives under ~/.cache (root's home is 0700): hard-link it next to the data when
  // the ES user cannot read it (cheap: ~200 files), falling back to a copy across file systems.
  let home = art.home;
  if (root && !canUserRead(path.join(home, 'bin', 'elasticsearch'))) {
    home = path.join(dataDir, 'home');
    try {
      runSync('cp', ['-al', art.home, home]);
    } catch {
      cpSync(art.home, home, { recursive: true });
    }
  }
  for (const f of ['jvm.options', 'log4j2.properties']) copyFileSync(path.join(art.home, 'config', f), path.join(confDir, f));
  ensureDir(path.join(confDir, 'jvm.options.d'));
  const heap = opts.heap ?? '512m';
  const settings: Record<string, string | number | boolean> = {
    'cluster.name': 'rollwatch-test',
    'node.name': 'rollwatch-es',
    'discovery.type': 'single-node',
    'xpack.security.enabled': false,
    'cluster.routing.allocation.disk.threshold_enabled': false,
    'network.host': '127.0.0.1',
    'http.port': httpPort,
    'transport.port': transportPort,
    'path.data': path.join(dataDir, 'data'),
    'path.logs': logsDir,
    'action.destructive_requires_name': false,
    ...opts.settings,
  };
  writeFileSync(path.join(confDir, 'elasticsearch.yml'), Object.entries(settings).map(([k, v]) => `${k}: ${typeof v === 'string' ? JSON.stringify(v) : v}`).join('\n') + '\n');
  writeFileSync(logFile, '');
  if (root) runSync('chown', ['-R', `${ES_USER}:`, confDir, logsDir, tmp, path.join(dataDir, 'data'), logFile]);
  if (root) runSync('chmod', ['755', dataDir]);

  const envVars = {
    ES_JAVA_HOME: javaHome,
    ES_PATH_CONF: confDir,
    ES_JAVA_OPTS: `-Xms${heap} -Xmx${heap}`,
    ES_TMPDIR: tmp,
    LANG: 'C.UTF-8',
    PATH: '/usr/local/bin:/usr/bin:/bin',
  };
  const bin = path.join(home, 'bin', 'elasticsearch');
  const cmd = root ? 'runuser' : 'env';
  const args = root
    ? ['-u', ES_USER, '--', 'env', ...Object.entries(envVars).map(([k, v]) => `${k}=${v}`), bin]
    : [...Object.entries(envVars).map(([k, v]) => `${k}=${v}`), bin];
  const proc = new ManagedProcess('elasticsearch', cmd, args, logFile, { cwd: logsDir });
  const url = `http://127.0.0.1:${httpPort}`;
  const timeoutMs = opts.startTimeoutMs ?? 180_000;
  const lifecycle = await startManaged(proc, `Elasticsearch (local ${ES_VERSION}, ${url})`, () => elasticsearchReady(url), { dataDir, timeoutMs, intervalMs: 500, name: 'Elasticsearch' });
  return { url, source: 'local', logFile, dataDir, ...lifecycle };
}
