import { Counter, Gauge, Histogram, type Registry } from '@rollwatch/core';

export interface DetectorMetrics {
  eventsConsumed: Counter<'result'>;
  evaluationDuration: Histogram<string>;
  verdicts: Counter<'decision'>;
  consumerErrors: Counter<'stage'>;
  dlq: Counter<'reason'>;
  trackedRollouts: Gauge<string>;
  roundBacklog: Gauge<string>;
  metricProviderQueries: Counter<'provider' | 'result'>;
}

/** Detector metrics, registered on the service's own registry (embedded mode hosts several). */
export function createDetectorMetrics(registry: Registry): DetectorMetrics {
  const registers = [registry];
  return {
    eventsConsumed: new Counter({ name: 'rollwatch_detector_events_consumed_total', help: 'Events consumed from rollwatch.events, by result (stored, duplicate-safe; invalid; rejected).', labelNames: ['result'], registers }),
    evaluationDuration: new Histogram({
      name: 'rollwatch_detector_evaluation_duration_seconds',
      help: 'Time to evaluate one rollout.',
      buckets: [0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    }),
    verdicts: new Counter({ name: 'rollwatch_detector_verdicts_total', help: 'Verdict changes published, by decision.', labelNames: ['decision'], registers }),
    consumerErrors: new Counter({ name: 'rollwatch_detector_consumer_errors_total', help: 'Failed batch attempts (the batch is redelivered), by stage.', labelNames: ['stage'], registers }),
    dlq: new Counter({ name: 'rollwatch_detector_dlq_total', help: 'Messages sent to rollwatch.dlq, by reason.', labelNames: ['reason'], registers }),
    trackedRollouts: new Gauge({ name: 'rollwatch_detector_tracked_rollouts', help: 'Rollouts held in the analysis engine.', registers }),
    roundBacklog: new Gauge({ name: 'rollwatch_detector_evaluation_backlog', help: 'Rollouts due for a periodic re-evaluation that the last round left for the next one (its time share was used up); above 0 for long, time-driven verdicts (no data, unavailability) come late.', registers }),
    metricProviderQueries: new Counter({ name: 'rollwatch_detector_metric_provider_queries_total', help: 'Metric provider queries, by provider and result.', labelNames: ['provider', 'result'], registers }),
  };
}
