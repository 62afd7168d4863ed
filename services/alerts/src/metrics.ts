import { Counter, Gauge, Histogram, type Registry } from '@rollwatch/core';

export interface AlertsMetrics {
  notifications: Counter<'target' | 'kind' | 'status'>;
  actions: Counter<'target' | 'kind' | 'status'>;
  latency: Histogram<'target' | 'kind'>;
  retries: Counter<'target' | 'kind'>;
  dlqDepth: Gauge;
  verdicts: Counter<'result'>;
}

export function createAlertsMetrics(registry: Registry): AlertsMetrics {
  const registers = [registry];
  return {
    notifications: new Counter({ name: 'rollwatch_alerts_notifications_total', help: 'Notifications (notify/resolve) by target and final status.', labelNames: ['target', 'kind', 'status'], registers }),
    actions: new Counter({ name: 'rollwatch_alerts_actions_total', help: 'Actuations (pause/rollback/resume) and overrides by target and final status.', labelNames: ['target', 'kind', 'status'], registers }),
    latency: new Histogram({
      name: 'rollwatch_alerts_action_latency_seconds',
      help: 'Time from the verdict (evaluatedAt) to the action being done.',
      labelNames: ['target', 'kind'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
      registers,
    }),
    retries: new Counter({ name: 'rollwatch_alerts_retries_total', help: 'Retried attempts of notifications and actions.', labelNames: ['target', 'kind'], registers }),
    dlqDepth: new Gauge({ name: 'rollwatch_alerts_dlq_depth', help: 'Actions dead-lettered or failed and not yet replayed successfully.', registers }),
    verdicts: new Counter({ name: 'rollwatch_alerts_verdicts_total', help: 'Verdicts consumed, by result (transition, no-transition, stale, invalid).', labelNames: ['result'], registers }),
  };
}
