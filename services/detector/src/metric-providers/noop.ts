import type { AttemptResult } from '@rollwatch/core';
import type { MetricProvider, MetricSample } from './interface.js';

/** No external metrics: the analysis relies on events alone. */
export class NoopMetricProvider implements MetricProvider {
  readonly kind = 'none';
  readonly signals: readonly string[] = [];
  async fetch(): Promise<AttemptResult<MetricSample[]>> {
    return { status: 'success', value: [] };
  }
}
