import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@rollwatch/testkit';
import { waitFor } from './wait.js';

/** The three deployable services; each runs as `node services/<name>/dist/main.js`. */
export const SERVICE_NAMES = ['ingest', 'detector', 'alerts'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

const PORT_VARIABLE: Record<ServiceName, string> = { ingest: 'INGEST_PORT', detector: 'DETECTOR_PORT', alerts: 'ALERTS_PORT' };

/** Repository root, found from this file (packages/reliability/dist/harness/ → ../../../../). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

export function serviceEntry(name: ServiceName): string {
  return path.join(REPO_ROOT, 'services', name, 'dist', 'main.js');
}

export interface ServiceProcessOptions {
  name: ServiceName;
  /** Extra env (merged over a minimal base env: PATH, HOME, NODE_OPTIONS are NOT inherited beyond PATH/HOME). */
  env: Record<string, string | undefined>;
  /** Port to listen on; default: a free one. Kept across restarts. */
  port?: number;
}

/**
 * One service as a real OS process, so a test can SIGKILL it like the kernel's OOM killer or a
 * node failure would. stdout/stderr are captured in memory in full: the secrets test greps them.
 */
export class ServiceProcess {
  readonly name: ServiceName;
  port = 0;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private chunks: string[] = [];
  private readonly env: Record<string, string>;
  /** Exit of the most recent run (undefined while it runs). */
  lastExit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  /** Every unexpected exit (not caused by kill()/stop()), for "the process never crashed" asserts. */
  readonly crashes: { code: number | null; signal: NodeJS.Signals | null }[] = [];
  private expectingExit = false;

  constructor(private readonly options: ServiceProcessOptions) {
    this.name = options.name;
    const base: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? os.homedir(), KAFKAJS_NO_PARTITIONER_WARNING: '1' };
    this.env = { ...base };
    for (const [k, v] of Object.entries(options.env)) if (v !== undefined) this.env[k] = v;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.lastExit === undefined;
  }

  /** Everything the process wrote to stdout and stderr so far (all runs). */
  output(): string {
    return this.chunks.join('');
  }

  /** Starts the process and waits until /healthz answers 200. */
  async start(timeoutMs = 60_000): Promise<void> {
    if (this.running) throw new Error(`${this.name} is already running`);
    if (!this.port) this.port = this.options.port ?? (await freePort());
    this.lastExit = undefined;
    this.expectingExit = false;
    const env = { ...this.env, [PORT_VARIABLE[this.name]]: String(this.port), [`${this.name.toUpperCase()}_HOST`]: '127.0.0.1' };
    const child = spawn(process.execPath, [serviceEntry(this.name)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    child.stdout!.setEncoding('utf8').on('data', (d: string) => this.chunks.push(d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => this.chunks.push(d));
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        this.lastExit = { code, signal };
        if (!this.expectingExit) this.crashes.push({ code, signal });
        resolve();
      });
    });
    await waitFor(`${this.name} /healthz on :${this.port}`, async () => {
      if (this.lastExit) throw new Error(`${this.name} exited with ${this.lastExit.code ?? this.lastExit.signal}:\n${this.output().slice(-3000)}`);
      const res = await fetch(`${this.url}/healthz`, { signal: AbortSignal.timeout(1000) });
      return res.status === 200;
    }, { timeoutMs, intervalMs: 100, failFast: () => this.lastExit !== undefined });
  }

  /** Waits until /readyz answers 200 (backends connected, state rebuilt). */
  async ready(timeoutMs = 60_000): Promise<void> {
    await waitFor(`${this.name} /readyz`, async () => (await this.readyz()).status === 200, { timeoutMs, intervalMs: 200 });
  }

  async readyz(): Promise<{ status: number; body: { checks?: Record<string, { ok: boolean; detail?: string }> } }> {
    const res = await fetch(`${this.url}/readyz`, { signal: AbortSignal.timeout(5000) });
    return { status: res.status, body: (await res.json()) as { checks?: Record<string, { ok: boolean; detail?: string }> } };
  }

  /** SIGKILL: no shutdown hook runs, in-flight work is lost exactly as in a crash. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.expectingExit = true;
    this.child!.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM and wait (graceful shutdown path), SIGKILL after `timeoutMs`. */
  async stop(timeoutMs = 20_000): Promise<void> {
    if (!this.running) return;
    this.expectingExit = true;
    this.child!.kill('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** Resident set size in bytes from /proc/<pid>/status (VmRSS), or undefined when not running. */
  rssBytes(): number | undefined {
    if (!this.running || !this.pid) return undefined;
    return readRssBytes(this.pid);
  }
}

export function readRssBytes(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** A private temp dir (spools, policy files). */
export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(os.tmpdir(), `rollwatch-rel-${prefix}-`));
}
