// CLI throughput bench: `rollwatch templates <file> --json` on a generated mixed file (all formats
// interleaved), in a child process so its peak RSS is its own. The file is written to a temporary
// directory and removed afterwards. Baseline in the same run: only reading the file into lines.
import { execFile } from "node:child_process";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { CliRunResult } from "./cli-run.js";
import { writeMixedFile } from "./mixed-file.js";

const run = promisify(execFile);

export interface CliThroughputResult {
  lines: number;
  fileBytes: number;
  /** Wall clock of the mining run (the better of two by CPU time), whole command including JSON output. */
  seconds: number;
  linesPerSecond: number;
  /** CPU time of the process (user + system): the rate one core sustains, less sensitive to a busy machine. */
  cpuSeconds: number;
  linesPerCpuSecond: number;
  peakRssBytes: number;
  /** Same-run baseline: reading and splitting the same file only. */
  baselineReadLinesPerSecond: number;
  /** Mining rate as a share of the read-only rate (1 = mining costs nothing beyond reading). */
  ratioToRead: number;
}

async function child(file: string, readOnly: boolean): Promise<CliRunResult> {
  const script = fileURLToPath(new URL("./cli-run.js", import.meta.url));
  const { stdout } = await run(process.execPath, [script, file, ...(readOnly ? ["--read-only"] : [])], { maxBuffer: 1 << 20 });
  return JSON.parse(stdout.trim().split("\n").pop() as string) as CliRunResult;
}

export async function measureCliThroughput(lines = 1_000_000): Promise<CliThroughputResult> {
  const dir = await mkdtemp(join(tmpdir(), "rollwatch-templates-bench-"));
  try {
    const file = join(dir, "mixed.log");
    await writeMixedFile(file, lines);
    const fileBytes = (await stat(file)).size;
    const read = await child(file, true);
    // Best of two runs (by CPU time): on a shared machine one run can lose a lot to neighbours.
    const runs = [await child(file, false), await child(file, false)];
    for (const r of runs) if (r.code !== 0) throw new Error(`rollwatch templates exited ${r.code}`);
    const mined = runs.reduce((a, b) => (b.cpuSeconds < a.cpuSeconds ? b : a));
    const linesPerSecond = Math.round(lines / mined.seconds);
    const baselineReadLinesPerSecond = Math.round(read.lines / read.seconds);
    return {
      lines,
      fileBytes,
      seconds: Math.round(mined.seconds * 100) / 100,
      linesPerSecond,
      cpuSeconds: Math.round(mined.cpuSeconds * 100) / 100,
      linesPerCpuSecond: Math.round(lines / mined.cpuSeconds),
      peakRssBytes: mined.maxRssBytes,
      baselineReadLinesPerSecond,
      ratioToRead: Math.round((linesPerSecond / baselineReadLinesPerSecond) * 1000) / 1000,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
