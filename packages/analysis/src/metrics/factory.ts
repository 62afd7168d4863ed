import type { MetricProvider } from './interface.js';
import { EventsMetricProvider, type SampleSource } from './events-provider.js';
import { NoopMetricProvider } from './noop-provider.js';

/** Providers that live in this package (I/O-free). The detector adds `prometheus` in its own factory. */
export type BuiltinMetricProviderKind = 'events' | 'none';

export function createMetricProvider(kind: BuiltinMetricProviderKind | undefined, source: SampleSource): MetricProvider {
  switch (kind) {
    case undefined:
    case 'none':
      return new NoopMetricProvider();
    case 'events':
      return new EventsMetricProvider(source);
    default: {
      const unreachable: never = kind;
      throw new Error(`unknown metric provider ${String(unreachable)}`);
    }
  }
}
