// Log-template grouping accuracy: the miner vs plain digit masking, per format (from @rollwatch/logtemplates).
import { runAccuracyReport, type AccuracyReport } from '@rollwatch/logtemplates';
import { ratio } from '../stats.js';

export interface TemplateAccuracyResult extends AccuracyReport {
  /** averageAccuracy / averageBaselineAccuracy. */
  ratioToBaseline: number | null;
  seconds: number;
}

export function measureTemplateAccuracy(): TemplateAccuracyResult {
  const t0 = process.hrtime.bigint();
  const report = runAccuracyReport();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { ...report, ratioToBaseline: ratio(report.averageAccuracy, report.averageBaselineAccuracy), seconds: Math.round(seconds * 100) / 100 };
}
