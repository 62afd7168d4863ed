// `rollwatch analyze <events.ndjson|->... [--policy <file>] [--json]`: replays recorded event streams
// and prints one verdict per rollout. Input is streamed in bounded memory (see replay.ts for the
// bound); progress goes to stderr only when stderr is a terminal and the output is not --json. The
// I/O is injected (the CLI package passes node:fs), so this module stays testable and free of side
// effects.
import { parseReplayEventTimed } from './replay-input.js';
import type { RollwatchEvent } from '@rollwatch/core';
import { DEFAULT_IDLE_MS, Replay, type AnalyzeOptions, type AnalyzeResult } from './replay.js';
import { mergeRuns, RunWriter, type ScratchIo } from './external-sort.js';
import { DEFAULT_MAX_LINE_BYTES, LineSplitter } from './line-splitter.js';
import { parsePolicy } from './policy/parse.js';
import type { Policy } from './policy/schema.js';

export interface AnalyzeIo {
  /** A readable stream of the events file ("-" for stdin is the caller's business). */
  open(path: string): NodeJS.ReadableStream;
  readFile(path: string): Promise<string>;
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  /** Wall clock (ms) for progress; default Date.now. */
  now?: () => number;
  /** Temporary files for the on-disk sort of input out of order beyond the lateness (files only). */
  scratch?: ScratchIo;
}

export const ANALYZE_USAGE = 'usage: rollwatch analyze <events.ndjson|->... [--policy <policy.yaml>] [--json]\n';

export interface AnalyzeArgs {
  /** One or more files, "-" for stdin; read one after the other into one replay. */
  files: string[];
  policy?: string;
  json: boolean;
}

export function parseAnalyzeArgs(argv: readonly string[]): AnalyzeArgs | { error: string } {
  const files: string[] = [];
  let policy: string | undefined;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--json') json = true;
    else if (a === '--policy') {
      const v = argv[++i];
      if (v === undefined) return { error: '--policy needs a file' };
      policy = v;
    } else if (a.startsWith('--policy=')) policy = a.slice('--policy='.length);
    else if (a.startsWith('-') && a !== '-') return { error: `unknown option ${a}` };
    else files.push(a);
  }
  if (files.length === 0) return { error: 'missing events file' };
  if (files.filter((f) => f === '-').length > 1) return { error: 'stdin (-) can be read only once' };
  return policy !== undefined ? { files, policy, json } : { files, json };
}

const PROGRESS_EVERY_MS = 1_000;

/** Runs the command; resolves to the exit code (0 ok, 2 bad usage, policy, input lines or order). */
export async function analyzeCommand(argv: readonly string[], io: AnalyzeIo): Promise<number> {
  const args = parseAnalyzeArgs(argv);
  if ('error' in args) {
    io.stderr.write(`rollwatch analyze: ${args.error}\n${ANALYZE_USAGE}`);
    return 2;
  }
  let policy: Policy | undefined;
  if (args.policy !== undefined) {
    let text: string;
    try {
      text = await io.readFile(args.policy);
    } catch (error) {
      io.stderr.write(`rollwatch analyze: cannot read policy ${args.policy}: ${(error as Error).message}\n`);
      return 2;
    }
    const parsed = parsePolicy(text);
    if (!parsed.ok) {
      for (const e of parsed.errors) io.stderr.write(`${args.policy}: ${e.field}: ${e.message}\n`);
      return 2;
    }
    policy = parsed.policy;
  }

  const clock = io.now ?? Date.now;
  const progress = io.stderr.isTTY === true && !args.json;
  const nowMs = Date.now();
  const started = clock();
  let lastProgress = started;
  let total = 0;
  let bad = 0;
  let rollouts = (): number => 0;
  const showProgress = (final: boolean): void => {
    const t = clock();
    if (!final && t - lastProgress < PROGRESS_EVERY_MS) return;
    lastProgress = t;
    const rate = total / Math.max(0.001, (t - started) / 1000);
    io.stderr.write(final ? '\r\x1b[K' : `\r\x1b[K${total.toLocaleString('en-US')} lines, ${Math.round(rate).toLocaleString('en-US')} lines/s, ${rollouts().toLocaleString('en-US')} rollouts`);
  };
  // Bad lines are reported once: the second (sorting) pass stays quiet up to where the first stopped.
  let reportedUpTo = { file: -1, line: 0 };

  /** Reads every input in order; `onEvent` returns false to stop early. Resolves to false on a read error. */
  const readAll = async (onEvent: (event: RollwatchEvent, timeMs: number) => boolean | Promise<boolean>): Promise<'done' | 'stopped' | 'failed'> => {
    for (const [index, file] of args.files.entries()) {
      const name = file === '-' ? '(stdin)' : file;
      const quiet = (lineNo: number): boolean => index < reportedUpTo.file || (index === reportedUpTo.file && lineNo <= reportedUpTo.line);
      // The events of one chunk, and their times (parsed once, by the validation).
      const pending: RollwatchEvent[] = [];
      const pendingTimes: number[] = [];
      const splitter = new LineSplitter(
        (line, lineNo) => {
          total++;
          if ((total & 0x3fff) === 0 && progress) showProgress(false);
          if (line.length === 0 || line.trim() === '') return;
          let json: unknown;
          try {
            json = JSON.parse(line);
          } catch (error) {
            if (quiet(lineNo)) return;
            bad++;
            io.stderr.write(`${name}:${lineNo}: not JSON: ${(error as Error).message}\n`);
            return;
          }
          const r = parseReplayEventTimed(json, nowMs);
          if (r.ok) {
            pending.push(r.event);
            pendingTimes.push(r.timeMs);
          }
          else if (!quiet(lineNo)) {
            bad++;
            io.stderr.write(`${name}:${lineNo}: ${r.errors.map((e) => `${e.field}: ${e.message}`).join('; ')}\n`);
          }
        },
        (lineNo, bytes) => {
          total++;
          if (quiet(lineNo)) return;
          bad++;
          io.stderr.write(`${name}:${lineNo}: line longer than ${DEFAULT_MAX_LINE_BYTES} bytes (${bytes}+ bytes): skipped; an event is one JSON object per line\n`);
        },
      );
      /** Feeds the split events to the replay; false (with the position recorded) when it asks to stop. */
      const feedPending = async (): Promise<boolean> => {
        for (let i = 0; i < pending.length; i++) {
          // Await only real promises: a microtask per event would cost more than the replay.
          let go = onEvent(pending[i]!, pendingTimes[i]!);
          if (typeof go !== 'boolean') go = await go;
          if (!go) {
            reportedUpTo = { file: index, line: splitter.lines };
            return false;
          }
        }
        return true;
      };
      try {
        for await (const chunk of io.open(file)) {
          splitter.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
          if (!(await feedPending())) return 'stopped';
          pending.length = 0;
          pendingTimes.length = 0;
        }
        splitter.end();
        if (!(await feedPending())) return 'stopped';
      } catch (error) {
        if (progress) showProgress(true);
        io.stderr.write(`rollwatch analyze: cannot read ${name}: ${(error as Error).message}\n`);
        return 'failed';
      }
      reportedUpTo = { file: index, line: splitter.lines };
    }
    return 'done';
  };

  const options: AnalyzeOptions = policy ? { policy } : {};
  // Only files can be read twice: with stdin, disorder beyond the window is judged as late events.
  const canResort = io.scratch !== undefined && !args.files.includes('-');
  let replay = new Replay(options);
  rollouts = () => replay.stats.rollouts;
  const first = await readAll((event, t) => {
    replay.push(event, t);
    return !(canResort && replay.stats.beyondReorder > 0);
  });
  if (first === 'failed') return 2;
  let sorted = false;
  if (first === 'stopped') {
    // Out of order beyond the reorder window: sort on disk, then replay in exact (time, id) order.
    const scratch = io.scratch!;
    try {
      const writer = new RunWriter(scratch);
      total = 0;
      const toRuns = (event: RollwatchEvent, t: number): boolean | Promise<boolean> => (writer.add(event, t) ? writer.flush().then(() => true) : true);
      if ((await readAll(toRuns)) === 'failed') return 2;
      await writer.flush();
      replay = new Replay({ ...options, reorderMs: 0 });
      await mergeRuns(scratch, writer.runs, (event, t) => replay.push(event, t));
      sorted = true;
    } finally {
      await scratch.cleanup();
    }
  }
  if (progress) showProgress(true);

  const results = replay.finish();
  for (const r of results) io.stdout.write(args.json ? `${JSON.stringify(publicShape(r))}\n` : humanLine(r));
  const s = replay.stats;
  if (bad > 0) io.stderr.write(`rollwatch analyze: ${bad} invalid line(s) skipped\n`);
  if (sorted && !args.json) io.stderr.write('rollwatch analyze: the input was out of event-time order beyond the allowed lateness: replayed through an on-disk sort\n');
  if (s.beyondReorder > 0) {
    io.stderr.write(`rollwatch analyze: ${s.beyondReorder} event(s) on stdin were further out of event-time order than the allowed lateness and were judged as late events (as the live detector would); pass a file to have it sorted, or raise analysis.lateness in --policy\n`);
  }
  if (s.afterFinish > 0) {
    io.stderr.write(`rollwatch analyze: ${s.afterFinish} event(s) arrived for rollouts already finished (no event for them in the previous ${DEFAULT_IDLE_MS / 60_000} minutes of event time) and were skipped\n`);
  }
  return bad > 0 || s.afterFinish > 0 ? 2 : 0;
}

function publicShape(r: AnalyzeResult): Record<string, unknown> {
  const out: Record<string, unknown> = { rollout: r.rollout, decision: r.decision, score: r.score, noGoAt: r.noGoAt, reasons: r.reasons };
  if (r.cause !== undefined) out.cause = r.cause;
  return out;
}

function humanLine(r: AnalyzeResult): string {
  const top = r.reasons.find((x) => x.severity === 'critical' || x.severity === 'fail') ?? r.reasons.find((x) => x.severity === 'warn') ?? r.reasons[0];
  const cause = r.cause ? ` cause=${r.cause}` : '';
  return `${r.rollout}\t${r.decision}\tscore=${r.score ?? '-'}\tnoGoAt=${r.noGoAt ?? '-'}${cause}\t${top ? top.message : ''}\n`;
}
