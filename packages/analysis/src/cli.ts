// `rollwatch analyze <events.ndjson> [--policy <file>] [--json]`: replays a recorded event stream
// and prints one verdict per rollout. The I/O is injected (the CLI package passes node:fs), so this
// module stays testable and free of side effects.
import { createInterface } from 'node:readline';
import { parseEvent, type RollwatchEvent } from '@rollwatch/core';
import { analyzeEvents, type AnalyzeResult } from './replay.js';
import { parsePolicy } from './policy/parse.js';
import type { Policy } from './policy/schema.js';

export interface AnalyzeIo {
  /** A readable stream of the events file ("-" for stdin is the caller's business). */
  open(path: string): NodeJS.ReadableStream;
  readFile(path: string): Promise<string>;
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

export const ANALYZE_USAGE = 'usage: rollwatch analyze <events.ndjson> [--policy <policy.yaml>] [--json]\n';

export interface AnalyzeArgs {
  file: string;
  policy?: string;
  json: boolean;
}

export function parseAnalyzeArgs(argv: readonly string[]): AnalyzeArgs | { error: string } {
  let file: string | undefined;
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
    else if (file === undefined) file = a;
    else return { error: `unexpected argument ${a}` };
  }
  if (file === undefined) return { error: 'missing events file' };
  return policy !== undefined ? { file, policy, json } : { file, json };
}

/** Runs the command; resolves to the exit code (0 ok, 2 bad usage, policy or input lines). */
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

  const events: RollwatchEvent[] = [];
  let bad = 0;
  let lineNo = 0;
  try {
    const lines = createInterface({ input: io.open(args.file), crlfDelay: Infinity });
    for await (const line of lines) {
      lineNo++;
      if (line.trim() === '') continue;
      let json: unknown;
      try {
        json = JSON.parse(line);
      } catch (error) {
        bad++;
        io.stderr.write(`${args.file}:${lineNo}: not JSON: ${(error as Error).message}\n`);
        continue;
      }
      const r = parseEvent(json);
      if (r.ok) events.push(r.event);
      else {
        bad++;
        io.stderr.write(`${args.file}:${lineNo}: ${r.errors.map((e) => `${e.field}: ${e.message}`).join('; ')}\n`);
      }
    }
  } catch (error) {
    io.stderr.write(`rollwatch analyze: cannot read ${args.file}: ${(error as Error).message}\n`);
    return 2;
  }

  const results = await analyzeEvents(events, policy ? { policy } : {});
  for (const r of results) io.stdout.write(args.json ? `${JSON.stringify(publicShape(r))}\n` : humanLine(r));
  if (bad > 0) io.stderr.write(`rollwatch analyze: ${bad} invalid line(s) skipped\n`);
  return bad > 0 ? 2 : 0;
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
