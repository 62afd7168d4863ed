import { Counter, Gauge, Histogram, type Registry } from '@rollwatch/core';
import type { SourceStatus } from './sources/interface.js';

/** Ingest's Prometheus metrics. `source` is the intake channel (http, alertmanager, docker, ...). */
export interface IngestMetrics {
  received: Counter<'source' | 'type'>;
  produced: Counter<'source' | 'type'>;
  failed: Counter<'source' | 'type' | 'reason'>;
  unmapped: Counter<'source' | 'type' | 'action'>;
  spooled: Counter<'source'>;
  produceDuration: Histogram<'path' | 'outcome'>;
}

export interface MetricsProbes {
  spool: () => { events: number; pendingBytes: number; diskBytes: number; maxBytes: number };
  sources: () => SourceStatus[];
}

export function createIngestMetrics(registry: Registry, probes: MetricsProbes): IngestMetrics {
  const registers = [registry];
  new Gauge({
    name: 'rollwatch_ingest_spool_events',
    help: 'Events waiting in the on-disk spool for Kafka.',
    registers,
    collect() {
      this.set(probes.spool().events);
    },
  });
  new Gauge({
    name: 'rollwatch_ingest_spool_bytes',
    help: 'Spool bytes: pending (not yet in Kafka), disk (segment files), max (the cap).',
    labelNames: ['kind'],
    registers,
    collect() {
      const spool = probes.spool();
      this.set({ kind: 'pending' }, spool.pendingBytes);
      this.set({ kind: 'disk' }, spool.diskBytes);
      this.set({ kind: 'max' }, spool.maxBytes);
    },
  });
  new Gauge({
    name: 'rollwatch_ingest_source_connected',
    help: '1 when the pull source is connected to its backend (Docker, Kubernetes), else 0.',
    labelNames: ['source'],
    registers,
    collect() {
      this.reset();
      for (const status of probes.sources()) this.set({ source: status.name }, status.connected ? 1 : 0);
    },
  });
  new Gauge({
    name: 'rollwatch_ingest_source_reconnects',
    help: 'Reconnects of the pull source since start.',
    labelNames: ['source'],
    registers,
    collect() {
      this.reset();
      for (const status of probes.sources()) this.set({ source: status.name }, status.reconnects);
    },
  });
  return {
    received: new Counter({ name: 'rollwatch_ingest_events_received_total', help: 'Events received, before validation.', labelNames: ['source', 'type'], registers }),
    produced: new Counter({ name: 'rollwatch_ingest_events_produced_total', help: 'Events acknowledged by the bus (Kafka), directly or replayed from the spool.', labelNames: ['source', 'type'], registers }),
    failed: new Counter({
      name: 'rollwatch_ingest_events_failed_total',
      help: 'Events not accepted: invalid, refused by backpressure (spool full), or a storage error.',
      labelNames: ['source', 'type', 'reason'],
      registers,
    }),
    unmapped: new Counter({
      name: 'rollwatch_ingest_events_unmapped_total',
      help: 'Events with no derivable rollout: dropped, sent to the catch-all rollout, or rejected (HTTP push).',
      labelNames: ['source', 'type', 'action'],
      registers,
    }),
    spooled: new Counter({ name: 'rollwatch_ingest_events_spooled_total', help: 'Events written to the on-disk spool because Kafka was unreachable or the spool was non-empty.', labelNames: ['source'], registers }),
    produceDuration: new Histogram({
      name: 'rollwatch_ingest_produce_duration_seconds',
      help: 'Duration of one bus publish (a micro-batch), direct or replayed from the spool.',
      labelNames: ['path', 'outcome'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
  };
}
