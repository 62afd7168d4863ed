// Benchmarks for `npm run bench`: grouping accuracy on the labelled dataset and miner throughput
// on a mix of all formats. Library functions are pure (apart from reading the clock); running
// this file directly prints the combined JSON.
import { runAccuracyReport, type AccuracyReport } from "../accuracy/accuracy.js";
import { DATASET_FORMATS, generateDataset } from "../dataset/generate.js";
import { TemplateMiner } from "../miner/miner.js";
import type { MinerOptions } from "../miner/options.js";

export interface ThroughputResult {
  lines: number;
  seconds: number;
  linesPerSecond: number;
  templates: number;
}

/** Mines `lines` generated lines (all formats interleaved, new seeds so values vary). */
export function measureThroughput(lines = 200_000, opts: Partial<MinerOptions> = {}): ThroughputResult {
  const perFormat = Math.ceil(lines / DATASET_FORMATS.length);
  const sets = DATASET_FORMATS.map((f, i) => generateDataset(f, perFormat, 10_000 + i).records);
  const input: string[] = [];
  for (let i = 0; i < perFormat && input.length < lines; i++) {
    for (const s of sets) if (input.length < lines) input.push((s[i] as { line: string }).line);
  }
  const miner = new TemplateMiner(opts);
  const t0 = performance.now();
  for (const l of input) miner.add(l);
  const seconds = (performance.now() - t0) / 1000;
  return { lines: input.length, seconds, linesPerSecond: Math.round(input.length / seconds), templates: miner.size };
}

export function runBench(lines = 200_000): { accuracy: AccuracyReport; throughput: ThroughputResult } {
  return { accuracy: runAccuracyReport(), throughput: measureThroughput(lines) };
}

if (process.argv[1] && import.meta.url === (await import("node:url")).pathToFileURL(process.argv[1]).href) {
  const { loadLoghubSets } = await import("../loghub/loghub-files.js");
  const { runLoghubReport } = await import("../loghub/loghub.js");
  const { measureCliThroughput } = await import("./cli-throughput.js");
  const out = {
    ...runBench(Number(process.argv[2] ?? 200_000)),
    loghub: runLoghubReport(loadLoghubSets()),
    cli: await measureCliThroughput(Number(process.argv[3] ?? 1_000_000)),
  };
  process.stdout.write(JSON.stringify(out, null, 2) + "\n");
}
