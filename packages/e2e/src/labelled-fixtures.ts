// Shared by the contract tests: where the repository and the labelled scenario fixtures are, how to
// read them, and how to run the real `rollwatch` command the way a user does (from the repo root).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

/** packages/e2e/dist/<this file> → repository root. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const SCENARIO_DIR = path.join(REPO_ROOT, 'packages', 'analysis', 'fixtures', 'scenarios');
export const CLI_BIN = path.join('packages', 'cli', 'bin', 'rollwatch.js');

export type Decision = 'go' | 'no-go' | 'pending';

/** One entry of packages/analysis/fixtures/scenarios/labels.json. */
export interface ScenarioLabel {
  file: string;
  rollout: string;
  kind: string;
  expected: Decision;
  cause?: 'release' | 'environment' | 'unknown';
  badFrom?: string;
  attribute?: { name: string; value: string };
}

export function loadLabels(): ScenarioLabel[] {
  return JSON.parse(readFileSync(path.join(SCENARIO_DIR, 'labels.json'), 'utf8')) as ScenarioLabel[];
}

export function fixturePath(label: ScenarioLabel): string {
  return path.join(SCENARIO_DIR, label.file);
}

/** The fixture's non-empty lines, in file order. */
export function fixtureLines(label: ScenarioLabel): string[] {
  return readFileSync(fixturePath(label), 'utf8').split('\n').filter((line) => line.trim() !== '');
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node packages/cli/bin/rollwatch.js ...args` from the repo root, as `npx rollwatch` would. */
export function runRollwatch(args: string[], options: { stdin?: string; timeoutMs?: number } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_BIN, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, LOG_LEVEL: 'silent' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
    // A command that exits before reading stdin closes the pipe; that is not the test's failure.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.stdin ?? '');
  });
}

/** Runs `tasks` with at most `limit` in flight (the CI machine has 2 cores). */
export async function inParallel<T>(tasks: (() => Promise<T>)[], limit = 2): Promise<T[]> {
  const results: T[] = new Array<T>(tasks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

/** Polls `fn` until it returns a value (not undefined); throws `what` after `timeoutMs`. */
export async function eventually<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 10_000, everyMs = 50): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Deterministic Fisher–Yates shuffle (mulberry32), so a failure reproduces. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  let a = seed >>> 0;
  const random = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
