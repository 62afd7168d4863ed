// Child process of the CLI throughput bench: runs `rollwatch templates <file> --json` (the same
// templatesCommand packages/cli dispatches to) with stdout to the null device, and prints one JSON
// line with wall time, CPU time and peak RSS of this process. With "--read-only" it only splits the
// file into lines (the baseline: the cost of reading the input at all).
import { createReadStream, createWriteStream } from "node:fs";
import { once } from "node:events";
import { devNull } from "node:os";
import { PassThrough } from "node:stream";
import { templatesCommand } from "../cli/cli.js";
import { forEachLine } from "../cli/lines.js";

export interface CliRunResult {
  code: number;
  lines: number;
  seconds: number;
  cpuSeconds: number;
  maxRssBytes: number;
}

async function main(file: string, readOnly: boolean): Promise<CliRunResult> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let code = 0;
  let lines = 0;
  if (readOnly) {
    lines = (await forEachLine(createReadStream(file, { highWaterMark: 1 << 20 }), 8192, () => undefined)).lines;
  } else {
    const out = createWriteStream(devNull);
    const err = new PassThrough();
    err.resume();
    code = await templatesCommand([file, "--json"], { stdin: process.stdin, stdout: out, stderr: err });
    out.end();
    await once(out, "finish");
  }
  const cpu = process.cpuUsage(c0);
  return {
    code,
    lines,
    seconds: (performance.now() - t0) / 1000,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
  };
}

const [file, flag] = process.argv.slice(2);
if (!file) {
  process.stderr.write("usage: cli-run.js <file> [--read-only]\n");
  process.exit(2);
}
process.stdout.write(JSON.stringify(await main(file, flag === "--read-only")) + "\n");
