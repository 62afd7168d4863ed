import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ensureDir, freePort, ManagedProcess, removeDir, tmpDir } from './util.js';

const PROMETHEUS_BIN = process.env.ROLLWATCH_PROMETHEUS_BIN ?? '/usr/bin/prometheus';
const ALERTMANAGER_BIN = process.env.ROLLWATCH_ALERTMANAGER_BIN ?? '/usr/bin/prometheus-alertmanager';

export interface PrometheusServer {
  /** e.g. `http://127.0.0.1:40123` (the value for `PROMETHEUS_URL`). */
  url: string;
  port: number;
  configFile: string;
  dataDir: string;
  logFile: string;
  /** Rewrite prometheus.yml with new options and hot-reload it (POST /-/reload). */
  reload(opts?: PrometheusOptions): Promise<void>;
  stop(): Promise<void>;
}

export interface PrometheusOptions {
  /** Prometheus `scrape_config` objects (written as YAML); e.g. `{ job_name: 'app', static_configs: [{ targets: ['127.0.0.1:1234'] }] }`. */
  scrapeConfigs?: Record<string, unknown>[];
  /** Rule files: paths to existing files, or inline YAML rule-file content (anything that is not an existing path). */
  ruleFiles?: string[];
  /** Alertmanager base URLs (e.g. `startAlertmanager().url`) to send alerts to. */
  alertmanagers?: string[];
  /** Global scrape interval (default `1s`, tests want quick data). */
  scrapeInterval?: string;
  /** Global rule evaluation interval (default `1s`). */
  evaluationInterval?: string;
  startTimeoutMs?: number;
}

export interface AlertmanagerServer {
  /** e.g. `http://127.0.0.1:40124` (the value for `ALERTMANAGER_URL`). */
  url: string;
  port: number;
  configFile: string;
  dataDir: string;
  logFile: string;
  stop(): Promise<void>;
}

export interface AlertmanagerOptions {
  /** A complete alertmanager.yml as an object; default: one route to `webhookUrl` (if given) or to a no-op receiver. */
  config?: Record<string, unknown>;
  /** Convenience: send every notification to this webhook URL (group_wait 0s, repeat 1m). */
  webhookUrl?: string;
  startTimeoutMs?: number;
}

async function httpOk(url: string): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
  await res.arrayBuffer();
  return res.status === 200;
}

function requireBin(bin: string, pkg: string): void {
  if (!existsSync(bin)) throw new Error(`${bin} not found; install it: apt-get install -y ${pkg}`);
}

function writePrometheusConfig(dir: string, configFile: string, opts: PrometheusOptions): void {
  const rulesDir = ensureDir(path.join(dir, 'rules'));
  const ruleFiles = (opts.ruleFiles ?? []).map((r, i) => {
    if (!r.includes('\n') && existsSync(r)) return path.resolve(r);
    const f = path.join(rulesDir, `rules-${i}.yml`);
    writeFileSync(f, r);
    return f;
  });
  const cfg: Record<string, unknown> = {
    global: { scrape_interval: opts.scrapeInterval ?? '1s', evaluation_interval: opts.evaluationInterval ?? '1s' },
    rule_files: ruleFiles,
    scrape_configs: opts.scrapeConfigs ?? [],
  };
  if (opts.alertmanagers?.length) {
    cfg.alerting = {
      alertmanagers: [{ static_configs: [{ targets: opts.alertmanagers.map((u) => new URL(u).host) }] }],
    };
  }
  // JSON is YAML.
  writeFileSync(configFile, JSON.stringify(cfg, null, 2) + '\n');
}

/** Prometheus (Debian package) on a free port with a private TSDB. */
export async function startPrometheus(opts: PrometheusOptions = {}): Promise<PrometheusServer> {
  requireBin(PROMETHEUS_BIN, 'prometheus');
  const dir = tmpDir('prometheus');
  const port = await freePort();
  const configFile = path.join(dir, 'prometheus.yml');
  const dataDir = ensureDir(path.join(dir, 'data'));
  const logFile = path.join(dir, 'prometheus.log');
  writePrometheusConfig(dir, configFile, opts);
  const proc = new ManagedProcess('prometheus', PROMETHEUS_BIN, [
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${dataDir}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--web.enable-lifecycle',
    '--web.enable-admin-api',
    '--storage.tsdb.retention.time=1d',
  ], logFile, { cwd: dir });
  const url = `http://127.0.0.1:${port}`;
  await proc.startUntilReady(`Prometheus (${url})`, () => httpOk(`${url}/-/ready`), { timeoutMs: opts.startTimeoutMs ?? 30_000, intervalMs: 100, cleanup: () => removeDir(dir) });
  let stopped = false;
  return {
    url, port, configFile, dataDir, logFile,
    reload: async (next: PrometheusOptions = opts) => {
      writePrometheusConfig(dir, configFile, next);
      const res = await fetch(`${url}/-/reload`, { method: 'POST', signal: AbortSignal.timeout(10_000) });
      if (res.status !== 200) throw new Error(`Prometheus reload failed: HTTP ${res.status} ${await res.text()}`);
    },
    stop: async () => { if (stopped) return; stopped = true; await proc.stop(10_000); removeDir(dir); },
  };
}

/** Alertmanager (Debian package) on a free port, clustering off, private storage. */
export async function startAlertmanager(opts: AlertmanagerOptions = {}): Promise<AlertmanagerServer> {
  requireBin(ALERTMANAGER_BIN, 'prometheus-alertmanager');
  const dir = tmpDir('alertmanager');
  const port = await freePort();
  const configFile = path.join(dir, 'alertmanager.yml');
  const dataDir = ensureDir(path.join(dir, 'data'));
  const logFile = path.join(dir, 'alertmanager.log');
  const receiver = opts.webhookUrl
    ? { name: 'default', webhook_configs: [{ url: opts.webhookUrl, send_resolved: true }] }
    : { name: 'default' };
  const config = opts.config ?? {
    route: { receiver: 'default', group_by: ['alertname'], group_wait: '0s', group_interval: '1s', repeat_interval: '1m' },
    receivers: [receiver],
  };
  writeFileSync(configFile, JSON.stringify(config, null, 2) + '\n');
  const proc = new ManagedProcess('alertmanager', ALERTMANAGER_BIN, [
    `--config.file=${configFile}`,
    `--storage.path=${dataDir}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--cluster.listen-address=',
  ], logFile, { cwd: dir });
  const url = `http://127.0.0.1:${port}`;
  await proc.startUntilReady(`Alertmanager (${url})`, () => httpOk(`${url}/-/ready`), { timeoutMs: opts.startTimeoutMs ?? 30_000, intervalMs: 100, cleanup: () => removeDir(dir) });
  let stopped = false;
  return {
    url, port, configFile, dataDir, logFile,
    stop: async () => { if (stopped) return; stopped = true; await proc.stop(10_000); removeDir(dir); },
  };
}
