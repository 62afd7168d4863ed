// Extension point: where a signal's samples come from. The engine is pure, so a provider that does
// I/O (the detector's Prometheus provider: PromQL range queries with {{group}} / {{rollout}}
// templating) runs outside it and feeds what it fetched through `engine.ingestSamples()`; the
// built-in provider reads the engine's own event-derived aggregates.
import type { AttemptResult } from '@rollwatch/core';

export type SampleGroup = 'canary' | 'baseline';

export interface MetricQuery {
  rollout: string;
  service?: string;
  /** Signal name as in the policy (`http_error_rate`, `latency`, a custom `queue_depth` ...). */
  signal: string;
  group: SampleGroup;
  /** Event-time range [startMs, endMs), split into windows of stepMs. */
  startMs: number;
  endMs: number;
  stepMs: number;
}

export interface MetricSample {
  /** Instance (pod, container) the value belongs to; one synthetic series per group if unknown. */
  instance?: string;
  /** Event time of the value, epoch ms (it lands in the window containing t). */
  t: number;
  value: number;
}

/**
 * The one MetricProvider interface (the detector's Prometheus provider implements it too): the
 * signals a provider answers, and a fetch of one signal for one group over a time range.
 */
export interface MetricProvider {
  readonly kind: string;
  /** Signals this provider can answer (a poller asks only for these); empty when it answers none. */
  readonly signals: readonly string[];
  /** Samples of one signal for one group; adapters report success | failure | retryable. `signal` aborts an in-flight fetch. */
  fetch(query: MetricQuery, signal?: AbortSignal): Promise<AttemptResult<MetricSample[]>>;
}
