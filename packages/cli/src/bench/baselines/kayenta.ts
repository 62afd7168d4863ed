// Kayenta-style judge (Netflix ACA judge with the Mann-Whitney classifier), re-implemented from its
// published defaults: each metric's canary series is compared with the baseline's by a two-sided
// Mann-Whitney test at confidence 0.98; a metric fails when the canary is significantly higher and
// its mean exceeds `allowedIncrease` × the baseline's (1.0: any increase); the score is the share of
// passing metrics (equal weights); an interval analysis below `marginal` (75) fails the canary at
// once, and the last one must reach `pass` (95). Analyses run at fixed intervals over everything
// since the start (Spinnaker's default scope). Metrics with no data on either side are excluded
// (NaN strategy "remove"). Like Flagger it sees metrics only, not restarts or OOM kills.
import type { EventGroup, RollwatchEvent } from '@rollwatch/core';
import { mannWhitney } from '@rollwatch/analysis';
import type { BaselineJudge, BaselineVerdict } from './interface.js';
import { aggregateSteps, type StepAggregate } from './windows.js';

export interface KayentaOptions {
  /** Metric series resolution (one point per group per step). */
  stepMs: number;
  /** How often an interval analysis runs. */
  intervalMs: number;
  confidence: number;
  allowedIncrease: number;
  passScore: number;
  marginalScore: number;
}

export const KAYENTA_DEFAULTS: Readonly<KayentaOptions> = Object.freeze({
  stepMs: 60_000,
  intervalMs: 5 * 60_000,
  confidence: 0.98,
  allowedIncrease: 1.0,
  passScore: 95,
  marginalScore: 75,
});

type MetricName = 'error_rate' | 'latency';

function point(step: StepAggregate, metric: MetricName): number | null {
  if (metric === 'error_rate') return step.requests > 0 ? Math.min(1, step.errors / step.requests) : null;
  return step.latencyReports > 0 ? step.latencySumMs / step.latencyReports : null;
}

function seriesUntil(steps: readonly StepAggregate[] | undefined, metric: MetricName, end: number): number[] {
  const out: number[] = [];
  for (const s of steps ?? []) {
    if (s.start >= end) break;
    const v = point(s, metric);
    if (v !== null) out.push(v);
  }
  return out;
}

export type MetricClass = 'pass' | 'high' | 'nodata';

/** One metric's classification (exported for tests). */
export function classifyMetric(canary: readonly number[], baseline: readonly number[], options: KayentaOptions = KAYENTA_DEFAULTS): MetricClass {
  if (canary.length === 0 || baseline.length === 0) return 'nodata';
  const test = mannWhitney(canary, baseline, { alternative: 'two-sided' });
  if (test.pValue > 1 - options.confidence) return 'pass';
  const mean = (v: readonly number[]): number => v.reduce((s, x) => s + x, 0) / v.length;
  const canaryMean = mean(canary);
  const baselineMean = mean(baseline);
  // Only an increase fails (metrics are configured with direction "increase").
  if (test.u <= test.uY) return 'pass';
  if (baselineMean > 0 && canaryMean / baselineMean <= options.allowedIncrease) return 'pass';
  if (baselineMean === 0 && canaryMean === 0) return 'pass';
  return 'high';
}

export class KayentaStyleJudge implements BaselineJudge {
  readonly name = 'kayenta-style';
  constructor(private readonly options: KayentaOptions = KAYENTA_DEFAULTS) {
    if (!(options.stepMs > 0) || !(options.intervalMs >= options.stepMs)) throw new RangeError('kayenta: stepMs > 0 and intervalMs >= stepMs required');
  }

  /** Score (0-100) of the analysis covering [start, end), or null when no metric had data. */
  score(groups: Partial<Record<EventGroup, StepAggregate[]>>, end: number): { score: number | null; failing: MetricName[] } {
    const control = groups.baseline ?? groups.stable;
    const metrics: MetricName[] = ['error_rate', 'latency'];
    let judged = 0;
    let passed = 0;
    const failing: MetricName[] = [];
    for (const metric of metrics) {
      const c = classifyMetric(seriesUntil(groups.canary, metric, end), seriesUntil(control, metric, end), this.options);
      if (c === 'nodata') continue;
      judged++;
      if (c === 'pass') passed++;
      else failing.push(metric);
    }
    return { score: judged === 0 ? null : (100 * passed) / judged, failing };
  }

  judge(events: readonly RollwatchEvent[]): BaselineVerdict {
    const series = aggregateSteps(events, this.options.stepMs);
    let checks = 0;
    let last: number | null = null;
    for (let end = series.origin + this.options.intervalMs; end <= series.end; end += this.options.intervalMs) {
      checks++;
      const { score, failing } = this.score(series.groups, end);
      last = score;
      if (score !== null && score < this.options.marginalScore) {
        return { flagged: true, detectedAtMs: end, checks, reason: `interval score ${score.toFixed(0)} < marginal ${this.options.marginalScore} (${failing.join(', ')} high)` };
      }
    }
    if (last !== null && last < this.options.passScore) {
      return { flagged: true, detectedAtMs: series.end, checks, reason: `final score ${last.toFixed(0)} < pass ${this.options.passScore}` };
    }
    return { flagged: false, detectedAtMs: null, checks, reason: last === null ? `no data in ${checks} analyses` : `final score ${last.toFixed(0)}` };
  }
}
