// Test helpers: an embedded stack on free ports, captured CLI io, and events that decide quickly.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { CliIo } from '../cli.js';
import { startServices, type RunningStack } from '../embedded.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
export const CLI_BIN = path.join(REPO_ROOT, 'packages', 'cli', 'dist', 'bin.js');

export interface Embedded {
  stack: RunningStack;
  ingest: string;
  detector: string;
  alerts: string;
  close(): Promise<void>;
}

/** The production services in one process (in-memory bus and store), on free ports. */
export async function startEmbedded(env: NodeJS.ProcessEnv = {}): Promise<Embedded> {
  const spool = mkdtempSync(path.join(tmpdir(), 'rollwatch-cli-test-'));
  const clean: NodeJS.ProcessEnv = { LOG_LEVEL: 'silent', INGEST_SPOOL_DIR: spool, ...env };
  const stack = await startServices({ env: clean, ports: { ingest: 0, detector: 0, alerts: 0 } });
  const base = (port: number | undefined) => `http://127.0.0.1:${port}`;
  return {
    stack,
    ingest: base(stack.ports.ingest),
    detector: base(stack.ports.detector),
    alerts: base(stack.ports.alerts),
    close: async () => {
      await stack.stop();
      rmSync(spool, { recursive: true, force: true });
    },
  };
}

export interface CapturedIo {
  io: CliIo;
  stdout(): string;
  stderr(): string;
  /** Resolves once stderr contains `pattern` (a readiness signal, never a fixed sleep). */
  stderrMatches(pattern: RegExp, timeoutMs?: number): Promise<void>;
}

export function captureIo(stdinText = ''): CapturedIo {
  let out = '';
  let err = '';
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => {
    err += d.toString();
    for (const w of [...waiters]) if (w.pattern.test(err)) w.resolve();
  });
  const stdin = new PassThrough();
  stdin.end(stdinText);
  return {
    io: { stdin, stdout, stderr },
    stdout: () => out,
    stderr: () => err,
    stderrMatches: (pattern, timeoutMs = 15_000) =>
      new Promise<void>((resolve, reject) => {
        if (pattern.test(err)) return resolve();
        const timer = setTimeout(() => reject(new Error(`stderr never matched ${pattern}: ${err}`)), timeoutMs);
        waiters.push({ pattern, resolve: () => (clearTimeout(timer), resolve()) });
      }),
  };
}

/** A canary OOM-killed and restarting while three baselines run: no-go at once (critical signal). */
export function crashLoopEvents(rollout: string, now = Date.now()): Record<string, unknown>[] {
  const events: Record<string, unknown>[] = [];
  for (const instance of ['b1', 'b2', 'b3']) events.push({ rollout, service: 'checkout', time: now - 60_000, group: 'baseline', type: 'container_start', instance });
  events.push({ rollout, service: 'checkout', time: now - 60_000, group: 'canary', type: 'container_start', instance: 'c1' });
  for (let i = 0; i < 4; i++) {
    events.push({ rollout, service: 'checkout', time: now - 30_000 + i * 5000, group: 'canary', type: 'oom_killed', instance: 'c1', exitCode: 137, message: 'container exceeded memory limit' });
    events.push({ rollout, service: 'checkout', time: now - 30_000 + i * 5000 + 10, group: 'canary', type: 'container_restart', instance: 'c1', exitCode: 137 });
  }
  return events;
}

/** The labelled `good.ndjson` scenario (judged go) as NDJSON lines, renamed to `rollout`. */
export function goodRolloutLines(rollout: string): string[] {
  const file = path.join(REPO_ROOT, 'packages', 'analysis', 'fixtures', 'scenarios', 'good.ndjson');
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const event = JSON.parse(line) as Record<string, unknown>;
      return JSON.stringify({ ...event, id: `${rollout}-${String(event.id)}`, rollout });
    });
}

export async function postEvents(ingest: string, body: Record<string, unknown>[] | string[]): Promise<void> {
  const ndjson = typeof body[0] === 'string';
  const res = await fetch(`${ingest}/api/v1/events`, {
    method: 'POST',
    headers: { 'content-type': ndjson ? 'application/x-ndjson' : 'application/json' },
    body: ndjson ? (body as string[]).join('\n') : JSON.stringify(body),
  });
  if (res.status !== 202) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
}
