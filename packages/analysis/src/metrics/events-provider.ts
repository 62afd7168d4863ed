// The built-in provider: samples computed from the events the engine has ingested, one per
// (instance, window), exactly what the judge compares. Useful to export the judge's inputs
// (dashboards, the benchmark's baselines) and as the reference implementation of the interface.
import type { AttemptResult } from '@rollwatch/core';
import { BUILTIN_SIGNALS } from '../signals/catalog.js';
import type { MetricProvider, MetricQuery, MetricSample } from './interface.js';

/** What the provider needs from an engine (satisfied by the engine returned by createEngine). */
export interface SampleSource {
  samples(rollout: string, signal: string, group: 'canary' | 'baseline', fromMs: number, toMs: number): MetricSample[] | undefined;
}

export class EventsMetricProvider implements MetricProvider {
  readonly kind = 'events';
  /**
   * @param signals what to answer: by default the built-in event-derived signals; a policy's custom
   *   signals fed by `metric` events of that name can be added.
   */
  constructor(
    private readonly source: SampleSource,
    readonly signals: readonly string[] = Object.keys(BUILTIN_SIGNALS),
  ) {}

  fetch(query: MetricQuery): Promise<AttemptResult<MetricSample[]>> {
    const samples = this.source.samples(query.rollout, query.signal, query.group, query.startMs, query.endMs);
    if (samples === undefined) return Promise.resolve({ status: 'failure', error: `unknown rollout ${query.rollout}` });
    return Promise.resolve({ status: 'success', value: samples });
  }
}
