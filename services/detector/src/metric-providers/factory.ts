import type { DetectorConfig, MetricProviderKind } from '../config.js';
import { NoopMetricProvider, type MetricProvider } from '@rollwatch/analysis';
import { PrometheusMetricProvider } from './prometheus.js';

/** Explicit DETECTOR_METRIC_PROVIDER wins; otherwise Prometheus when PROMETHEUS_URL is set. */
export function metricProviderKind(config: Pick<DetectorConfig, 'DETECTOR_METRIC_PROVIDER' | 'PROMETHEUS_URL'>): MetricProviderKind {
  return config.DETECTOR_METRIC_PROVIDER ?? (config.PROMETHEUS_URL ? 'prometheus' : 'none');
}

export function createMetricProvider(config: Pick<DetectorConfig, 'DETECTOR_METRIC_PROVIDER' | 'PROMETHEUS_URL' | 'PROMETHEUS_TIMEOUT_MS' | 'PROMETHEUS_QUERIES'>): MetricProvider {
  const kind = metricProviderKind(config);
  switch (kind) {
    case 'none':
      return new NoopMetricProvider();
    case 'prometheus':
      return new PrometheusMetricProvider({ url: config.PROMETHEUS_URL ?? 'http://localhost:9090', timeoutMs: config.PROMETHEUS_TIMEOUT_MS, queries: config.PROMETHEUS_QUERIES });
    default: {
      const unreachable: never = kind;
      throw new Error(`unknown metric provider ${String(unreachable)}`);
    }
  }
}
