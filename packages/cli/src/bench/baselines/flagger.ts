// Flagger-style canary analysis, re-implemented from Flagger's documented defaults
// (https://docs.flagger.app/usage/metrics, .../how-it-works): every `interval` the canary alone is
// checked against absolute thresholds on its request success rate and request duration over that
// interval; after `threshold` failed checks the canary is rolled back. Flagger reads metrics only,
// so container restarts, OOM kills and exits are invisible unless they move those metrics. A check
// with no data fails ("no values found ... probably not receiving traffic" halts advancement and
// counts as a failed check).
import type { RollwatchEvent } from '@rollwatch/core';
import type { BaselineJudge, BaselineVerdict } from './interface.js';
import { aggregateSteps, sumSteps } from './windows.js';

export interface FlaggerOptions {
  /** `analysis.interval` (default 1m). */
  intervalMs: number;
  /** `analysis.threshold`: failed checks before rollback (default 5). */
  threshold: number;
  /** `request-success-rate` thresholdRange.min, in percent (documented example: 99). */
  minSuccessRatePercent: number;
  /** `request-duration` thresholdRange.max, in ms (documented example: 500). */
  maxDurationMs: number;
  /** A check whose metric query returns nothing fails (Flagger's behaviour). */
  noDataFails: boolean;
  /**
   * `consecutive`: a passing check resets the count (the rule this benchmark was specified with);
   * `cumulative`: Flagger's own counter, which only resets on a new revision.
   */
  counting: 'consecutive' | 'cumulative';
}

export const FLAGGER_DEFAULTS: Readonly<FlaggerOptions> = Object.freeze({
  intervalMs: 60_000,
  threshold: 5,
  minSuccessRatePercent: 99,
  maxDurationMs: 500,
  noDataFails: true,
  counting: 'consecutive',
});

export type FlaggerCheck = { at: number; ok: boolean; why: string };

/** The verdict of each check, in order (exported for tests and the report). */
export function flaggerChecks(events: readonly RollwatchEvent[], options: FlaggerOptions = FLAGGER_DEFAULTS): FlaggerCheck[] {
  const series = aggregateSteps(events, options.intervalMs);
  const canary = series.groups.canary;
  const checks: FlaggerCheck[] = [];
  // A check runs at the end of each full interval after the analysis started.
  for (let at = series.origin + options.intervalMs; at <= series.end; at += options.intervalMs) {
    const w = sumSteps(canary, at - options.intervalMs, at);
    if (w.requests <= 0 || w.latencyReports === 0) {
      checks.push({ at, ok: !options.noDataFails, why: 'no values found for the canary (no traffic)' });
      continue;
    }
    const successPercent = 100 * (1 - Math.min(w.requests, w.errors) / w.requests);
    const durationMs = w.latencySumMs / w.latencyReports;
    if (successPercent < options.minSuccessRatePercent) {
      checks.push({ at, ok: false, why: `request-success-rate ${successPercent.toFixed(2)}% < ${options.minSuccessRatePercent}%` });
    } else if (durationMs > options.maxDurationMs) {
      checks.push({ at, ok: false, why: `request-duration ${durationMs.toFixed(0)}ms > ${options.maxDurationMs}ms` });
    } else checks.push({ at, ok: true, why: 'within thresholds' });
  }
  return checks;
}

export class FlaggerStyleJudge implements BaselineJudge {
  readonly name = 'flagger-style';
  constructor(private readonly options: FlaggerOptions = FLAGGER_DEFAULTS) {
    if (!(options.intervalMs > 0) || !(options.threshold >= 1)) throw new RangeError('flagger: intervalMs > 0 and threshold >= 1 required');
  }

  judge(events: readonly RollwatchEvent[]): BaselineVerdict {
    const checks = flaggerChecks(events, this.options);
    let failed = 0;
    for (let i = 0; i < checks.length; i++) {
      const check = checks[i]!;
      if (check.ok) {
        if (this.options.counting === 'consecutive') failed = 0;
        continue;
      }
      failed++;
      if (failed >= this.options.threshold) {
        return { flagged: true, detectedAtMs: check.at, checks: i + 1, reason: `${failed} failed checks (last: ${check.why})` };
      }
    }
    return { flagged: false, detectedAtMs: null, checks: checks.length, reason: `promoted after ${checks.length} checks (${failed} failing at the end)` };
  }
}
