// Loghub-2k evaluation (He et al., ISSRE 2023; GA as in Zhu et al., ICSE-SEIP 2019). Pure: takes
// the CSV text of a `<Set>_2k.log_structured.csv` file; reading the files is in loghub-files.ts.
// Only the Content column reaches the miner; EventId is used for scoring only.
import { groupingAccuracy } from "../accuracy/accuracy.js";
import { TemplateMiner } from "../miner/miner.js";
import type { MinerOptions } from "../miner/options.js";
import { parseCsv } from "./csv.js";

/** Drain's published GA on the Loghub-2k sets (Zhu et al. 2019, with per-set regexes). */
export const DRAIN_PUBLISHED_GA: Readonly<Record<string, number>> = Object.freeze({
  HDFS: 0.998,
  Hadoop: 0.948,
  Spark: 0.92,
  Zookeeper: 0.967,
  BGL: 0.963,
  HPC: 0.887,
  Linux: 0.69,
  Proxifier: 0.527,
});

export interface LoghubSet {
  name: string;
  contents: string[];
  eventIds: string[];
}

/** Extracts the Content and EventId columns of a Loghub structured CSV. */
export function parseLoghubCsv(name: string, csvText: string): LoghubSet {
  const rows = parseCsv(csvText);
  const header = rows[0] ?? [];
  const ci = header.indexOf("Content");
  const ei = header.indexOf("EventId");
  if (ci < 0 || ei < 0) throw new Error(`${name}: CSV has no Content/EventId columns`);
  const body = rows.slice(1).filter((r) => r.length > Math.max(ci, ei));
  return { name, contents: body.map((r) => r[ci] as string), eventIds: body.map((r) => r[ei] as string) };
}

export interface LoghubSetResult {
  set: string;
  lines: number;
  templatesTrue: number;
  templatesFound: number;
  accuracy: number;
  drainPublished: number | null;
}

const round4 = (x: number): number => Math.round(x * 10_000) / 10_000;

export function evaluateLoghubSet(set: LoghubSet, opts: Partial<MinerOptions> = {}): LoghubSetResult {
  const miner = new TemplateMiner(opts);
  const seqs = set.contents.map((l) => miner.add(l).seq);
  const predicted = seqs.map((s) => miner.resolveSeq(s));
  return {
    set: set.name,
    lines: set.contents.length,
    templatesTrue: new Set(set.eventIds).size,
    templatesFound: new Set(predicted).size,
    accuracy: round4(groupingAccuracy(predicted.map(String), set.eventIds)),
    drainPublished: DRAIN_PUBLISHED_GA[set.name] ?? null,
  };
}

export interface LoghubReport {
  sets: LoghubSetResult[];
  averageAccuracy: number;
  averageDrainPublished: number;
  lines: number;
  /** Mining only (CSV parsing excluded), all sets back to back, one miner per set. */
  seconds: number;
  linesPerSecond: number;
  /** Highest V8 heap use seen while mining (sampled after each set). */
  peakHeapBytes: number;
}

/**
 * GA per set and on average, beside Drain's published figures; speed and heap while mining. With
 * `warmUp` the sets are mined once untimed first, so the rate is not mostly JIT compilation
 * (16k lines take a fraction of a second).
 */
export function runLoghubReport(sets: readonly LoghubSet[], opts: Partial<MinerOptions> = {}, warmUp = true): LoghubReport {
  if (warmUp) for (const s of sets) evaluateLoghubSet(s, opts);
  const results: LoghubSetResult[] = [];
  let peak = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  for (const s of sets) {
    results.push(evaluateLoghubSet(s, opts));
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  }
  const seconds = (performance.now() - t0) / 1000;
  const lines = results.reduce((n, r) => n + r.lines, 0);
  const avg = (f: (r: LoghubSetResult) => number): number => round4(results.reduce((a, r) => a + f(r), 0) / Math.max(1, results.length));
  return {
    sets: results,
    averageAccuracy: avg((r) => r.accuracy),
    averageDrainPublished: avg((r) => r.drainPublished ?? 0),
    lines,
    seconds: Math.round(seconds * 1000) / 1000,
    linesPerSecond: Math.round(lines / Math.max(seconds, 1e-9)),
    peakHeapBytes: peak,
  };
}
