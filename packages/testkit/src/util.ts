import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { appendFileSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** Root of the download cache (`ROLLWATCH_CACHE_DIR`, default `~/.cache/rollwatch`). */
export function cacheDir(): string {
  return process.env.ROLLWATCH_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'rollwatch');
}

/** Ports held by other services on the machines we run on: never hand these out. */
const RESERVED_PORTS = new Set([5432, 3306, 6379, 5672, 1883, 4222, 25672, 4369, 2024, 8080, 8081, 8082, 9092, 9200, 9300, 9090, 9093]);
const handedOut = new Set<number>();

function listenOnce(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen({ host: '127.0.0.1', port, exclusive: true }, () => {
      const addr = srv.address();
      const p = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(p));
    });
  });
}

/**
 * A TCP port on 127.0.0.1 that was free a moment ago. Never returns the same port twice in one
 * process (so several servers started back to back get distinct ports) nor a well-known service port.
 */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const p = await listenOnce(0);
    if (p > 0 && !RESERVED_PORTS.has(p) && !handedOut.has(p)) {
      handedOut.add(p);
      return p;
    }
  }
  throw new Error('freePort: could not find a free port on 127.0.0.1 after 50 attempts');
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** Like sleep, but does not keep the process alive. */
const idleSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms).unref());

export function tmpDir(prefix: string): string {
  return mkdtempSync(path.join(process.env.ROLLWATCH_TMPDIR ?? os.tmpdir(), `rollwatch-${prefix}-`));
}

export function ensureDir(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Last `n` lines of a text file (empty string when it does not exist). */
export function tailFile(file: string, n = 40): string {
  if (!existsSync(file)) return '';
  const text = readFileSync(file, 'utf8');
  return text.split('\n').slice(-n - 1).join('\n');
}

/** Run a command to completion; throws with its output on failure. */
export function runSync(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): string {
  const r = spawnSync(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, input: opts.input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw new Error(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status ?? r.signal}:\n${(r.stdout ?? '').slice(-4000)}\n${(r.stderr ?? '').slice(-4000)}`);
  }
  return r.stdout;
}

/** What a finished child process said: exit code (null when killed), its output, and how long it ran. */
export interface ProcessRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * Runs a command to completion and collects its output, whatever its exit code (the CLI and script
 * tests assert on the code). `onStderr` sees the stderr collected so far after every chunk, for
 * readiness signals such as "waiting up to".
 */
export function runCollecting(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; onStderr?: (stderrSoFar: string) => void } = {}): Promise<ProcessRun> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      opts.onStderr?.(stderr);
    });
    child.on('error', (e) => reject(new Error(`${cmd} ${args.join(' ')}: ${e.message}`)));
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, ms: Date.now() - started }));
  });
}

/** Run a command asynchronously to completion; throws with its output on failure. */
export async function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  const r = await runCollecting(cmd, args, opts);
  if (r.code === 0) return r.stdout;
  throw new Error(`${cmd} ${args.join(' ')} exited with ${r.code ?? r.signal}:\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-4000)}`);
}

export function which(cmd: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  const p = r.stdout.trim();
  return r.status === 0 && p ? p : undefined;
}

const live = new Set<ManagedProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Never leave servers behind when the owning process dies: SIGKILL their process groups.
  process.on('exit', () => {
    for (const p of live) p.signal('SIGKILL');
  });
}

/**
 * A long-running child in its own process group with stdout/stderr appended to a log file.
 * Signals go to the whole group (wrappers such as runuser and launcher JVMs included).
 */
export class ManagedProcess {
  child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;

  constructor(
    readonly name: string,
    readonly cmd: string,
    readonly args: string[],
    readonly logFile: string,
    readonly opts: SpawnOptions = {},
  ) {}

  get running(): boolean {
    return this.child !== undefined && this.exitInfo === undefined;
  }

  start(): void {
    if (this.running) throw new Error(`${this.name} is already running (pid ${this.child?.pid})`);
    installExitHook();
    const fd = openSync(this.logFile, 'a');
    this.exitInfo = undefined;
    const child = spawn(this.cmd, this.args, { ...this.opts, detached: true, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    this.child = child;
    live.add(this);
    this.exited = new Promise((resolve) => {
      child.on('error', (e) => {
        this.exitInfo ??= { code: -1, signal: null };
        live.delete(this);
        // Record the spawn error in the log so waiters report it.
        try { appendFileSync(this.logFile, `\n[testkit] spawn error: ${e.message}\n`); } catch { /* ignore */ }
        resolve();
      });
      child.on('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        live.delete(this);
        resolve();
      });
    });
    child.unref();
  }

  /**
   * Starts the process and polls `probe` until ready. If it never gets ready the process group is
   * killed and `cleanup` (e.g. removing its temp dir) runs before the error is rethrown.
   */
  async startUntilReady(what: string, probe: () => Promise<unknown>, opts: { timeoutMs: number; intervalMs?: number; cleanup?: () => void }): Promise<void> {
    this.start();
    try {
      await waitFor(what, async () => (await probe()) || undefined, { timeoutMs: opts.timeoutMs, intervalMs: opts.intervalMs, proc: this });
    } catch (e) {
      await this.kill();
      opts.cleanup?.();
      throw e;
    }
  }

  signal(sig: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (!pid || this.exitInfo) return;
    try { process.kill(-pid, sig); } catch { try { process.kill(pid, sig); } catch { /* gone */ } }
  }

  /** SIGTERM the group, wait up to `graceMs`, then SIGKILL. */
  async stop(graceMs = 20_000): Promise<void> {
    if (!this.running) return;
    this.signal('SIGTERM');
    const t = await Promise.race([this.wait().then(() => 'exited'), idleSleep(graceMs).then(() => 'timeout')]);
    if (t === 'timeout') {
      this.signal('SIGKILL');
      await this.wait();
    }
    await this.reapGroup();
  }

  /** SIGKILL the group and wait for the main process to be gone. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.signal('SIGKILL');
    await this.wait();
    await this.reapGroup();
  }

  /** Make sure no member of the process group outlives the leader (e.g. a JVM under runuser). */
  private async reapGroup(): Promise<void> {
    const pid = this.child?.pid;
    if (!pid) return;
    for (let i = 0; i < 100; i++) {
      try { process.kill(-pid, 0); } catch { return; }
      if (i === 50) { try { process.kill(-pid, 'SIGKILL'); } catch { return; } }
      await sleep(100);
    }
  }

  /** Resolves when the process exits (keeps the event loop alive meanwhile). */
  async wait(): Promise<void> {
    this.child?.ref();
    try { await this.exited; } finally { this.child?.unref(); }
  }

  describeExit(): string {
    if (!this.exitInfo) return 'still running';
    return this.exitInfo.signal ? `killed by ${this.exitInfo.signal}` : `exited with code ${this.exitInfo.code}`;
  }
}

/**
 * Poll `probe` until it returns a truthy value. Fails early when `proc` dies, and on timeout, with
 * an error naming the server and quoting the last lines of its log.
 */
/** Stop/kill/restart of a local server process that owns a temp data dir (what Kafka and Elasticsearch share). */
export interface ManagedLifecycle {
  stop(): Promise<void>;
  kill(): Promise<void>;
  restart(): Promise<void>;
}

/**
 * Starts `proc` and waits for `probe`; on failure removes `dataDir` (ROLLWATCH_KEEP_FAILED=1 keeps it)
 * and rethrows (the error already quotes the log tail). `stop` deletes the data dir, so a `restart`
 * after it is refused; `restart` otherwise keeps the data (a broker/node restart, not a fresh one).
 */
export async function startManaged(
  proc: ManagedProcess,
  what: string,
  probe: () => Promise<unknown>,
  opts: { dataDir: string; timeoutMs: number; intervalMs: number; name: string },
): Promise<ManagedLifecycle> {
  const boot = () => proc.startUntilReady(what, probe, { timeoutMs: opts.timeoutMs, intervalMs: opts.intervalMs });
  try {
    await boot();
  } catch (e) {
    if (!process.env.ROLLWATCH_KEEP_FAILED) removeDir(opts.dataDir);
    throw e;
  }
  let stopped = false;
  return {
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await proc.stop();
      removeDir(opts.dataDir);
    },
    kill: async () => {
      await proc.kill();
    },
    // (logs of every run stay in the log file; a restart appends)
    restart: async () => {
      if (stopped) throw new Error(`${opts.name} restart(): already stopped (its data was deleted)`);
      await proc.stop();
      await boot();
    },
  };
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  opts: { timeoutMs: number; intervalMs?: number; proc?: ManagedProcess; logFile?: string },
): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  let lastErr: unknown;
  for (;;) {
    if (opts.proc && !opts.proc.running) {
      await sleep(200);
      throw new Error(`${what}: the server process ${opts.proc.describeExit()} before it became ready.\n--- last lines of ${opts.logFile ?? opts.proc.logFile} ---\n${tailFile(opts.logFile ?? opts.proc.logFile)}`);
    }
    try {
      const v = await probe();
      if (v) return v;
    } catch (e) {
      lastErr = e;
    }
    if (Date.now() > deadline) {
      const log = opts.logFile ?? opts.proc?.logFile;
      throw new Error(`${what}: not ready after ${opts.timeoutMs} ms${lastErr ? ` (last error: ${(lastErr as Error).message ?? String(lastErr)})` : ''}` +
        (log ? `\n--- last lines of ${log} ---\n${tailFile(log)}` : ''));
    }
    await sleep(opts.intervalMs ?? 250);
  }
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export function envFlag(name: string): string | undefined {
  const v = process.env[name];
  return v && v.trim() !== '' ? v.trim() : undefined;
}

/** What every test server handle offers, whatever its kind (Kafka, Elasticsearch). */
export interface TestServer {
  /** Where the server came from: `env` (given by env vars), `testcontainers`, or `local` (a JVM from Maven Central). */
  source: 'env' | 'testcontainers' | 'local';
  /** Local mode only: the server's log file and data dir. */
  logFile?: string;
  dataDir?: string;
  /** Stop it and delete its data. A no-op for `env` servers (not ours to stop). */
  stop(): Promise<void>;
  /** SIGKILL the server (data kept; `restart()` brings it back). Rejects for `env` servers. */
  kill(): Promise<void>;
  /** Stop (gracefully, if still running) and start again on the same ports with the same data. Rejects for `env` servers. */
  restart(): Promise<void>;
}
