import type { AttemptResult } from '@rollwatch/core';
import type { MetricProvider, MetricSample } from './interface.js';

/** No external samples: the judge uses event-derived samples only. */
export class NoopMetricProvider implements MetricProvider {
  readonly kind = 'none';
  readonly signals: readonly string[] = [];
  fetch(): Promise<AttemptResult<MetricSample[]>> {
    return Promise.resolve({ status: 'success', value: [] });
  }
}
