// Which metric names feed which aggregate. Counters are assumed to be PER-REPORT INCREMENTS (the
// value is what happened since the instance's previous report), so a window's total is the sum.
// Cumulative Prometheus counters go through a MetricProvider (the detector's Prometheus provider
// computes increase() server-side) rather than through events.
export type MetricKind = 'requests' | 'errors' | 'latencyMs' | 'cpu';

const METRICS: Record<string, { kind: MetricKind; scale: number }> = {
  http_requests_total: { kind: 'requests', scale: 1 },
  requests_total: { kind: 'requests', scale: 1 },
  http_errors_total: { kind: 'errors', scale: 1 },
  http_requests_errors_total: { kind: 'errors', scale: 1 },
  errors_total: { kind: 'errors', scale: 1 },
  http_request_duration_seconds: { kind: 'latencyMs', scale: 1000 },
  latency_seconds: { kind: 'latencyMs', scale: 1000 },
  http_request_duration_ms: { kind: 'latencyMs', scale: 1 },
  latency_ms: { kind: 'latencyMs', scale: 1 },
  cpu_ratio: { kind: 'cpu', scale: 1 },
  cpu_percent: { kind: 'cpu', scale: 0.01 },
};

export function classifyMetric(name: string): { kind: MetricKind; scale: number } | undefined {
  return METRICS[name];
}

export const KNOWN_METRICS = Object.freeze(Object.keys(METRICS));
