// `rollwatch templates ...`: the only module of this package that does I/O. The main CLI
// (packages/cli) dispatches here with the argv after the word "templates".
// Memory: input is streamed line by line; the only per-line state is one uint32 cluster number
// (for --json, whose output needs each line's *final* template), everything else is miner state.
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createInterface } from "node:readline";
import { Readable } from "node:stream";
import { parseArgs, UsageError, USAGE, type ParsedArgs } from "./cli-args.js";
import { formatDiff, formatTemplateTable } from "./cli-format.js";
import { diffTemplates, type TemplateStat } from "../diff/diff.js";
import { TemplateMiner } from "../miner/miner.js";

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

async function* lines(path: string, io: TemplatesIo): AsyncGenerator<string> {
  let input: NodeJS.ReadableStream;
  if (path === "-") {
    input = io.stdin;
  } else if (io.readFile) {
    const r = await io.readFile(path);
    input = typeof r === "string" ? Readable.from([r]) : r;
  } else {
    // Fail with a clear message before streaming (readline would surface ENOENT less clearly).
    try {
      const s = await stat(path);
      if (s.isDirectory()) throw new InputError(`${path} is a directory`);
    } catch (e) {
      throw e instanceof InputError ? e : new InputError(`cannot read ${path}: ${(e as Error).message}`);
    }
    input = createReadStream(path);
  }
  const errors: Error[] = [];
  input.on("error", (e: Error) => errors.push(e));
  const rl = createInterface({ input, crlfDelay: Infinity });
  for await (const line of rl) yield line;
  if (errors.length > 0) throw new InputError(`cannot read ${path}: ${errors[0]?.message}`);
}

/** Writes honouring backpressure, batching small strings to keep syscalls few. */
class Out {
  private chunk: string[] = [];
  private size = 0;
  constructor(private readonly stream: NodeJS.WritableStream) {}
  async write(s: string): Promise<void> {
    this.chunk.push(s);
    this.size += s.length;
    if (this.size >= 1 << 16) await this.flush();
  }
  async flush(): Promise<void> {
    if (this.size === 0) return;
    const data = this.chunk.join("");
    this.chunk = [];
    this.size = 0;
    if (!this.stream.write(data)) await new Promise<void>((res) => this.stream.once("drain", () => res()));
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
  const started = performance.now();
  let n = 0;
  for await (const line of lines(args.input, io)) {
    const r = miner.add(line);
    seqs?.push(r.seq);
    n++;
  }
  const secs = (performance.now() - started) / 1000;
  const out = new Out(io.stdout);
  if (seqs && evicted) {
    // Render each cluster's `"templateId":..,"template":..}` tail once; lines only add their number.
    const tails = new Map<number, string>();
    const tail = (t: Final): string => `,"templateId":${JSON.stringify(t.id)},"template":${JSON.stringify(t.template)}}\n`;
    for (const [seq, t] of evicted) tails.set(seq, tail(t));
    for (const t of miner.templates()) tails.set(t.seq, tail(t));
    for (let i = 0; i < seqs.length; i++) {
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
    for await (const line of lines(path, io)) {
      const { seq } = miner.add(line);
      g.lines++;
      g.counts.set(seq, (g.counts.get(seq) ?? 0) + 1);
      if (!g.examples.has(seq)) g.examples.set(seq, line.slice(0, max));
    }
    return g;
  };
  const base = await read(args.baseline);
  const can = await read(args.canary);
  const stats = (g: GroupAcc): Map<string, TemplateStat> => {
    const m = new Map<string, TemplateStat>();
    for (const [seq, count] of g.counts) {
      const t = miner.bySeq(seq) ?? evicted.get(seq);
      if (t) m.set(t.id, { template: t.template, count, example: g.examples.get(seq) ?? "" });
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
