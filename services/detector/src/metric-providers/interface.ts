import type { MetricProvider as AnalysisMetricProvider } from '@rollwatch/analysis';

export type { MetricQuery, MetricSample, SampleGroup } from '@rollwatch/analysis';

/**
 * The analysis package's MetricProvider (fetch one signal for one group over a time range; adapters
 * report success | failure | retryable) plus the signals it can answer, so the poller asks only
 * for those.
 */
export interface MetricProvider extends AnalysisMetricProvider {
  readonly signals: readonly string[];
}
