// Log-template mining: grouping accuracy on the generated formats (the miner vs plain digit
// masking), on the public Loghub-2k sample beside Drain's published figures, and the throughput
// and peak RSS of `rollwatch templates --json` on a generated mixed file (all from
// @rollwatch/logtemplates). Loghub data missing is an error in the result, never a silent skip.
import {
  loadLoghubSets,
  measureCliThroughput,
  runAccuracyReport,
  runLoghubReport,
  type AccuracyReport,
  type CliThroughputResult,
  type LoghubReport,
} from '@rollwatch/logtemplates';
import { ratio } from '../stats.js';

export interface TemplateAccuracyResult extends AccuracyReport {
  /** averageAccuracy / averageBaselineAccuracy. */
  ratioToBaseline: number | null;
  seconds: number;
  /** Loghub-2k (8 shared sets): GA per set and average vs Drain (published), or why not measured. */
  loghub: (LoghubReport & { ratioToDrain: number | null }) | { error: string };
  /** `rollwatch templates <mixed file> --json`: lines/s (wall and per CPU second), peak RSS. */
  cli: CliThroughputResult | { error: string };
}

export async function measureTemplateAccuracy(cliLines: number): Promise<TemplateAccuracyResult> {
  const t0 = process.hrtime.bigint();
  const report = runAccuracyReport();
  let loghub: TemplateAccuracyResult['loghub'];
  try {
    const r = runLoghubReport(loadLoghubSets());
    loghub = { ...r, ratioToDrain: ratio(r.averageAccuracy, r.averageDrainPublished) };
  } catch (error) {
    loghub = { error: (error as Error).message };
  }
  let cli: TemplateAccuracyResult['cli'];
  try {
    cli = await measureCliThroughput(cliLines);
  } catch (error) {
    cli = { error: (error as Error).message };
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { ...report, ratioToBaseline: ratio(report.averageAccuracy, report.averageBaselineAccuracy), seconds: Math.round(seconds * 100) / 100, loghub, cli };
}
