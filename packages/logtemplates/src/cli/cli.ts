// `rollwatch templates ...`: the only module of this package that does I/O. The main CLI
// (packages/cli) dispatches here with the argv after the word "templates".
// Memory: input is streamed line by line; the only per-line state is one uint32 cluster number
// (for --json, whose output needs each line's *final* template), everything else is miner state.
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { Readable } from "node:stream";
import { parseArgs, UsageError, USAGE, type ParsedArgs } from "./cli-args.js";
import { formatDiff, formatTemplateTable } from "./cli-format.js";
import { forEachLine, type LineStats } from "./lines.js";
import { forTerminal } from "./terminal.js";
import { diffTemplates, type TemplateStat } from "../diff/diff.js";
import { TemplateMiner } from "../miner/miner.js";
import { lineProgress, wantsProgress } from "./progress.js";

export interface TemplatesIo {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Opens a file: a stream, or its whole content. Defaults to fs.createReadStream (streamed). */
  readFile?: (path: string) => NodeJS.ReadableStream | string | Promise<string>;
}

class InputError extends Error {}

/** Growable uint32 array: 4 bytes per input line instead of keeping the lines. */
class SeqBuffer {
  private buf = new Uint32Array(1 << 16);
  length = 0;
  push(v: number): void {
    if (this.length === this.buf.length) {
      const next = new Uint32Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length++] = v;
  }
  get(i: number): number {
    return this.buf[i] as number;
  }
}

/** Streams the lines of a file (or stdin for "-") to `onLine`, each cut at `maxLength`. */
async function readLines(path: string, io: TemplatesIo, maxLength: number, onLine: (line: string) => void): Promise<LineStats> {
  let input: NodeJS.ReadableStream;
  if (path === "-") {
    input = io.stdin;
  } else if (io.readFile) {
    const r = await io.readFile(path);
    input = typeof r === "string" ? Readable.from([r]) : r;
  } else {
    // Fail with a clear message before streaming.
    try {
      const s = await stat(path);
      if (s.isDirectory()) throw new InputError(`${path} is a directory`);
    } catch (e) {
      throw e instanceof InputError ? e : new InputError(`cannot read ${path}: ${(e as Error).message}`);
    }
    input = createReadStream(path, { highWaterMark: 1 << 20 });
  }
  try {
    return await forEachLine(input as AsyncIterable<Buffer | string>, maxLength, onLine);
  } catch (e) {
    throw new InputError(`cannot read ${path}: ${(e as Error).message}`);
  }
}

function noteTruncated(io: TemplatesIo, path: string, stats: LineStats, max: number): void {
  if (stats.truncated > 0) {
    io.stderr.write(`rollwatch templates: note: ${stats.truncated} line(s) of ${path === "-" ? "stdin" : forTerminal(path)} longer than ${max} characters were truncated to ${max} (--max-line-length)\n`);
  }
}

/**
 * Writes honouring backpressure, batching small strings to keep syscalls few. A reader that goes
 * away (`rollwatch templates f --json | head`, EPIPE) ends the output quietly instead of crashing
 * the process with an unhandled stream error.
 */
class Out {
  private chunk: string[] = [];
  private size = 0;
  private closed = false;
  constructor(private readonly stream: NodeJS.WritableStream) {
    stream.on("error", () => {
      this.closed = true;
    });
  }
  async write(s: string): Promise<void> {
    if (this.closed) return;
    this.chunk.push(s);
    this.size += s.length;
    if (this.size >= 1 << 16) await this.flush();
  }
  async flush(): Promise<void> {
    if (this.size === 0 || this.closed) return;
    const data = this.chunk.join("");
    this.chunk = [];
    this.size = 0;
    if (!this.stream.write(data)) {
      await new Promise<void>((res) => {
        const done = (): void => {
          this.stream.off("drain", done);
          this.stream.off("error", done);
          this.stream.off("close", done);
          res();
        };
        this.stream.on("drain", done);
        this.stream.on("error", done);
        this.stream.on("close", done);
      });
    }
  }
  /** True once the reader has gone away: callers can stop producing output. */
  get gone(): boolean {
    return this.closed;
  }
}

type Final = { id: string; template: string };

/** Remembers the final template of evicted clusters so earlier lines can still be reported. */
function trackEvictions(miner: TemplateMiner): Map<number, Final> {
  const evicted = new Map<number, Final>();
  miner.onEvict = (t) => evicted.set(t.seq, { id: t.id, template: t.template });
  return evicted;
}

async function mine(args: Extract<ParsedArgs, { kind: "mine" }>, io: TemplatesIo): Promise<number> {
  const miner = new TemplateMiner(args.miner);
  const seqs = args.json ? new SeqBuffer() : undefined;
  const evicted = args.json ? trackEvictions(miner) : undefined;
  // Clusters merged into another: their lines report the survivor's final template.
  const forward = new Map<number, number>();
  if (seqs) miner.onMerge = (from, into) => forward.set(from, into);
  const started = performance.now();
  const max = args.miner.maxLineLength;
  const progress = lineProgress(io.stderr, wantsProgress(io.stderr, args.json));
  const stats = await readLines(
    args.input,
    io,
    max,
    seqs
      ? (line) => {
          progress.tick();
          seqs.push(miner.add(line).seq);
        }
      : (line) => {
          progress.tick();
          miner.add(line);
        },
  );
  progress.done();
  const n = stats.lines;
  noteTruncated(io, args.input, stats, max);
  const secs = (performance.now() - started) / 1000;
  const out = new Out(io.stdout);
  if (seqs && evicted) {
    // Render each cluster's `"templateId":..,"template":..}` tail once; lines only add their number.
    const tails = new Map<number, string>();
    const tail = (t: Final): string => `,"templateId":${JSON.stringify(t.id)},"template":${JSON.stringify(t.template)}}\n`;
    for (const [seq, t] of evicted) tails.set(seq, tail(t));
    for (const t of miner.templates()) tails.set(t.seq, tail(t));
    for (const from of forward.keys()) {
      let to = from;
      for (let hops = 0; forward.has(to) && hops <= forward.size; hops++) to = forward.get(to) as number;
      const t = tails.get(to);
      if (t) tails.set(from, t);
    }
    for (let i = 0; i < seqs.length && !out.gone; i++) {
      await out.write(`{"line":${i + 1}${tails.get(seqs.get(i)) ?? ',"templateId":"","template":""}\n'}`);
    }
    await out.flush();
    return 0;
  }
  await out.write(formatTemplateTable(miner.templates()));
  await out.flush();
  const rate = secs > 0 ? Math.round(n / secs) : n;
  const ev = miner.evictions > 0 ? `, ${miner.evictions} evicted (raise --max-clusters)` : "";
  io.stderr.write(`mined ${n} lines into ${miner.size} templates${ev} in ${secs.toFixed(2)}s (${rate} lines/s)\n`);
  return 0;
}

interface GroupAcc {
  lines: number;
  counts: Map<number, number>;
  examples: Map<number, string>;
}

async function diff(args: Extract<ParsedArgs, { kind: "diff" }>, io: TemplatesIo): Promise<number> {
  // One miner for both files so template ids are shared; baseline first, so canary-only
  // templates are exactly the clusters the baseline never produced.
  const miner = new TemplateMiner(args.miner);
  const evicted = trackEvictions(miner);
  const max = args.miner.maxExampleLength;
  const read = async (path: string): Promise<GroupAcc> => {
    const g: GroupAcc = { lines: 0, counts: new Map(), examples: new Map() };
    const lineStats = await readLines(path, io, args.miner.maxLineLength, (line) => {
      const { seq } = miner.add(line);
      g.lines++;
      g.counts.set(seq, (g.counts.get(seq) ?? 0) + 1);
      if (!g.examples.has(seq)) g.examples.set(seq, line.slice(0, max));
    });
    noteTruncated(io, path, lineStats, args.miner.maxLineLength);
    return g;
  };
  const base = await read(args.baseline);
  const can = await read(args.canary);
  const stats = (g: GroupAcc): Map<string, TemplateStat> => {
    const m = new Map<string, TemplateStat>();
    for (const [seq, count] of g.counts) {
      const live = miner.resolveSeq(seq);
      const t = miner.bySeq(live) ?? evicted.get(live) ?? evicted.get(seq);
      if (!t) continue;
      const prev = m.get(t.id); // a merged cluster's lines count for the survivor
      m.set(t.id, { template: t.template, count: count + (prev?.count ?? 0), example: prev?.example ?? g.examples.get(seq) ?? "" });
    }
    return m;
  };
  const d = diffTemplates(
    { totalLines: base.lines, templates: stats(base) },
    { totalLines: can.lines, templates: stats(can) },
    args.diff,
  );
  io.stdout.write(args.json ? JSON.stringify(d) + "\n" : formatDiff(d));
  return 0;
}

export async function templatesCommand(argv: string[], io: TemplatesIo): Promise<number> {
  let args: ParsedArgs;
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr.write(`rollwatch templates: ${e.message}\nRun "rollwatch templates --help" for usage.\n`);
    return 2;
  }
  try {
    if (args.kind === "help") {
      io.stdout.write(USAGE + "\n");
      return 0;
    }
    return args.kind === "mine" ? await mine(args, io) : await diff(args, io);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    io.stderr.write(`rollwatch templates: ${e.message}\n`);
    return 1;
  }
}
