// Replay at any size (issue 15, item 6): generate a large NDJSON file from the corpus generator in a
// temp dir, run the real `rollwatch analyze <file> --json` in a child process (one core: the replay
// is single-threaded), and report events/s, CPU time and peak RSS. Baseline measured in the same
// run on the same file: reading it and JSON.parse of every line, the floor of any NDJSON replay.
// The target is per CPU-second: on a shared machine the wall-clock rate measures the neighbours.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeCorpus } from '../corpus-file.js';
import { round } from '../stats.js';

export interface ChildRun {
  code: number | null;
  wallSeconds: number;
  cpuSeconds: number;
  peakRssMb: number;
  /** Lines the child wrote to stdout (verdicts for analyze, 0 for the floor). */
  outputLines: number;
  stderrTail: string;
}

export interface ReplayScaleResult {
  events: number;
  bytes: number;
  rollouts: number;
  writeSeconds: number;
  analyze: ChildRun & { eventsPerSecond: number; eventsPerCpuSecond: number };
  floor: ChildRun & { eventsPerSecond: number; eventsPerCpuSecond: number };
  /** analyze events/s ÷ floor events/s (same file, same run). */
  ratioToFloor: number | null;
  /** Met on events per CPU-second (one core), the wall-clock rate reported beside it. */
  target: { eventsPerSecond: number; met: boolean; completed: boolean };
}

export const REPLAY_TARGET_EVENTS_PER_SECOND = 100_000;
/** The issue's "2 GB" file: the full run writes at least this many bytes (and the requested events). */
export const FULL_RUN_MIN_BYTES = 2_000_000_000;

const here = path.dirname(fileURLToPath(import.meta.url));
const CLI_MODULE = path.resolve(here, '..', '..', 'cli.js');
const ANALYSIS_MODULE = import.meta.resolve('@rollwatch/analysis');

const ANALYZE_CHILD = `
const { runCli } = await import(${JSON.stringify(CLI_MODULE)});
const { Writable } = await import('node:stream');
let lines = 0;
const sink = new Writable({ write(chunk, _e, cb) { for (const b of chunk) if (b === 10) lines++; cb(); } });
const t0 = performance.now();
const code = await runCli(['analyze', process.argv[1], '--json'], { stdin: process.stdin, stdout: sink, stderr: process.stderr });
const u = process.resourceUsage();
process.stdout.write(JSON.stringify({ code, wallMs: performance.now() - t0, cpuUs: u.userCPUTime + u.systemCPUTime, maxRssKb: u.maxRSS, lines }));
`;

const FLOOR_CHILD = `
const { LineSplitter } = await import(${JSON.stringify(ANALYSIS_MODULE)});
const { createReadStream } = await import('node:fs');
let parsed = 0;
const t0 = performance.now();
const s = new LineSplitter((line) => { if (line) { JSON.parse(line); parsed++; } }, () => {});
for await (const chunk of createReadStream(process.argv[1])) s.push(chunk);
s.end();
const u = process.resourceUsage();
process.stdout.write(JSON.stringify({ code: 0, wallMs: performance.now() - t0, cpuUs: u.userCPUTime + u.systemCPUTime, maxRssKb: u.maxRSS, lines: 0 }));
`;

function runChild(script: string, file: string): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, file], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'silent' } });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err = (err + b.toString()).slice(-2_000)));
    child.on('error', reject);
    child.on('close', (exit) => {
      try {
        const m = JSON.parse(out) as { code: number; wallMs: number; cpuUs: number; maxRssKb: number; lines: number };
        resolve({ code: m.code, wallSeconds: round(m.wallMs / 1000, 2), cpuSeconds: round(m.cpuUs / 1e6, 2), peakRssMb: round(m.maxRssKb / 1024, 1), outputLines: m.lines, stderrTail: err.trim().slice(-500) });
      } catch {
        resolve({ code: exit, wallSeconds: 0, cpuSeconds: 0, peakRssMb: 0, outputLines: 0, stderrTail: err.trim().slice(-500) });
      }
    });
  });
}

export async function measureReplayScale(minEvents: number, seed: number, log: (line: string) => void = () => {}, minBytes = minEvents >= 5_000_000 ? FULL_RUN_MIN_BYTES : 0): Promise<ReplayScaleResult> {
  const dir = await mkdtemp(path.join(tmpdir(), 'rollwatch-replay-bench-'));
  try {
    const w0 = Date.now();
    log(`replay: writing >= ${minEvents.toLocaleString('en-US')} events${minBytes ? ` and >= ${(minBytes / 1e9).toFixed(1)} GB` : ''} to ${dir}`);
    const files = await writeCorpus(dir, { seed, count: 1_000_000 }, false, (lines, bytes) => lines >= minEvents && bytes >= minBytes);
    const writeSeconds = round((Date.now() - w0) / 1000, 1);
    log(`replay: ${files.lines.toLocaleString('en-US')} events, ${(files.bytes / 1e9).toFixed(2)} GB written in ${writeSeconds} s; floor (read + JSON.parse)`);
    const floor = await runChild(FLOOR_CHILD, files.events);
    log(`replay: rollwatch analyze ${path.basename(files.events)} --json`);
    const analyze = await runChild(ANALYZE_CHILD, files.events);
    const perSecond = (run: ChildRun): number => (run.wallSeconds > 0 ? Math.round(files.lines / run.wallSeconds) : 0);
    const perCpuSecond = (run: ChildRun): number => (run.cpuSeconds > 0 ? Math.round(files.lines / run.cpuSeconds) : 0);
    const analyzeRate = perSecond(analyze);
    const floorRate = perSecond(floor);
    return {
      events: files.lines,
      bytes: files.bytes,
      rollouts: files.rollouts,
      writeSeconds,
      analyze: { ...analyze, eventsPerSecond: analyzeRate, eventsPerCpuSecond: perCpuSecond(analyze) },
      floor: { ...floor, eventsPerSecond: floorRate, eventsPerCpuSecond: perCpuSecond(floor) },
      ratioToFloor: floorRate > 0 ? round(analyzeRate / floorRate, 3) : null,
      target: { eventsPerSecond: REPLAY_TARGET_EVENTS_PER_SECOND, met: analyze.code === 0 && perCpuSecond(analyze) >= REPLAY_TARGET_EVENTS_PER_SECOND, completed: analyze.code === 0 },
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
