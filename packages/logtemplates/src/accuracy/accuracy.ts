// Grouping accuracy as in the LogPAI benchmark (Zhu et al., "Tools and Benchmarks for Automated
// Log Parsing", ICSE-SEIP 2019): a line is correct iff the set of lines sharing its predicted
// template equals the set of lines sharing its true template. Template *text* is not compared,
// only the partition, so parsers that name templates differently are still comparable.
import { generateAllDatasets, type Labelled, type LabelledDataset } from "../dataset/generate.js";
import { TemplateMiner } from "../miner/miner.js";
import type { MinerOptions } from "../miner/options.js";

export function groupingAccuracy(predicted: readonly string[], truth: readonly string[]): number {
  if (predicted.length !== truth.length) throw new RangeError("predicted and truth must have the same length");
  if (predicted.length === 0) return 1;
  const truthSize = new Map<string, number>();
  for (const t of truth) truthSize.set(t, (truthSize.get(t) ?? 0) + 1);
  const groups = new Map<string, number[]>();
  predicted.forEach((p, i) => {
    const g = groups.get(p);
    if (g) g.push(i);
    else groups.set(p, [i]);
  });
  let correct = 0;
  for (const idx of groups.values()) {
    const t = truth[idx[0] as number] as string;
    // Same partition cell iff all members share one true template and nothing else has it.
    if (idx.every((i) => truth[i] === t) && truthSize.get(t) === idx.length) correct += idx.length;
  }
  return correct / predicted.length;
}

/** The naive baseline: replace digit runs by <*> and group identical strings. */
export function digitMaskBaseline(lines: readonly string[]): string[] {
  return lines.map((l) => l.replace(/\d+/g, "<*>"));
}

/** Mine the lines with a fresh miner and return each line's final template id. */
export function minePredictions(lines: readonly string[], opts: Partial<MinerOptions> = {}): string[] {
  const miner = new TemplateMiner(opts);
  const seqs = lines.map((l) => miner.add(l).seq);
  // Final templates, as `rollwatch templates --json` reports them: absorbed clusters forward.
  return seqs.map((s) => String(miner.resolveSeq(s)));
}

export interface FormatAccuracy {
  format: string;
  lines: number;
  templatesTrue: number;
  templatesFound: number;
  accuracy: number;
  baselineAccuracy: number;
}

export interface AccuracyReport {
  formats: FormatAccuracy[];
  averageAccuracy: number;
  averageBaselineAccuracy: number;
}

const round4 = (x: number): number => Math.round(x * 10_000) / 10_000;

export function evaluateDataset(format: string, records: readonly Labelled[], opts: Partial<MinerOptions> = {}): FormatAccuracy {
  const lines = records.map((r) => r.line);
  const truth = records.map((r) => r.template);
  const predicted = minePredictions(lines, opts);
  return {
    format,
    lines: lines.length,
    templatesTrue: new Set(truth).size,
    templatesFound: new Set(predicted).size,
    accuracy: round4(groupingAccuracy(predicted, truth)),
    baselineAccuracy: round4(groupingAccuracy(digitMaskBaseline(lines), truth)),
  };
}

/**
 * Accuracy per format and averages. Defaults to the generated dataset (identical to the committed
 * data/labelled files, which a test checks), so this stays pure and needs no file access.
 */
export function runAccuracyReport(datasets: readonly LabelledDataset[] = generateAllDatasets(), opts: Partial<MinerOptions> = {}): AccuracyReport {
  const formats = datasets.map((d) => evaluateDataset(d.format, d.records, opts));
  const avg = (f: (x: FormatAccuracy) => number): number => round4(formats.reduce((s, x) => s + f(x), 0) / Math.max(1, formats.length));
  return { formats, averageAccuracy: avg((x) => x.accuracy), averageBaselineAccuracy: avg((x) => x.baselineAccuracy) };
}
