// The capacity model behind docs/capacity.md: measured per-core figures in, a deployment out. Pure
// (no I/O). The doc's table is `planTable(SCENARIOS.map(...))` of MEASURED; capacity-model.test.ts
// fails when the doc and the model disagree, so re-measuring means updating MEASURED and the doc.

export interface PerCoreFigures {
  /** Ingest: events per CPU-second (HTTP push → acked in Kafka; load generator included). */
  ingestEventsPerCore: number;
  /** Detector engine: events per CPU-second ingested by one analysis engine. */
  engineEventsPerCore: number;
  /** JSON.parse of an event, per CPU-second (the detector decodes each event and encodes it for the bulk). */
  jsonEventsPerCore: number;
  /** Detector: evaluations per CPU-second (one tick evaluates every tracked rollout). */
  evaluationsPerCore: number;
  /** Detector heap per tracked rollout, bytes. */
  bytesPerRollout: number;
  /** Elasticsearch: documents indexed into the events data stream per Elasticsearch CPU-second. */
  esDocsPerCore: number;
  /** Elasticsearch: stored bytes per event (primary, after merge). */
  esBytesPerEvent: number;
  /** Kafka: gzip bytes per event in a producer batch. */
  kafkaBytesPerEvent: number;
}

export interface Assumptions {
  /** Detector re-evaluation interval (DETECTOR_EVALUATION_INTERVAL_MS), seconds. */
  evaluationIntervalSeconds: number;
  /** Target CPU utilisation of a service replica / an Elasticsearch node (headroom for bursts and GC). */
  utilisation: number;
  esCoresPerNode: number;
  /** Usable data disk per Elasticsearch node (below the 85 % watermark), TB. */
  esDiskPerNodeTb: number;
  esReplicas: number;
  retentionDays: number;
  kafkaRetentionDays: number;
  kafkaReplication: number;
  /** Elastic's guidance: 10-50 GB per shard; rollover at this primary shard size. */
  maxShardGb: number;
  /** Heap the detector may fill with rollout state per replica, bytes. */
  detectorHeapBudget: number;
}

export const DEFAULT_ASSUMPTIONS: Assumptions = {
  evaluationIntervalSeconds: 5,
  utilisation: 0.6,
  esCoresPerNode: 8,
  esDiskPerNodeTb: 8,
  esReplicas: 1,
  retentionDays: 14,
  kafkaRetentionDays: 7,
  kafkaReplication: 3,
  maxShardGb: 50,
  detectorHeapBudget: 2 * 1024 ** 3,
};

export interface Plan {
  rollouts: number;
  eventsPerSecond: number;
  ingestReplicas: number;
  /** Detector replicas (each one Node process: one core of event work + evaluations). */
  detectorReplicas: number;
  detectorCoresForEvents: number;
  detectorCoresForEvaluations: number;
  detectorHeapPerReplicaMb: number;
  partitions: number;
  esNodes: number;
  eventsPrimaryShards: number;
  shardsPerDay: number;
  esDiskPerDayGb: number;
  esDiskAtRetentionTb: number;
  kafkaDiskAtRetentionGb: number;
}

const GB = 1024 ** 3;

export function plan(rollouts: number, eventsPerSecond: number, f: PerCoreFigures, a: Assumptions = DEFAULT_ASSUMPTIONS): Plan {
  // Per event the detector decodes it, feeds the engine and encodes it for the bulk (two JSON passes).
  const detectorEventsPerCore = 1 / (1 / f.engineEventsPerCore + 2 / f.jsonEventsPerCore);
  const coresForEvents = eventsPerSecond / detectorEventsPerCore;
  const coresForEvaluations = rollouts / a.evaluationIntervalSeconds / f.evaluationsPerCore;
  const byCpu = Math.ceil((coresForEvents + coresForEvaluations) / a.utilisation);
  const byMemory = Math.ceil((rollouts * f.bytesPerRollout) / a.detectorHeapBudget);
  const detectorReplicas = Math.max(2, byCpu, byMemory);
  const ingestReplicas = Math.max(2, Math.ceil(eventsPerSecond / f.ingestEventsPerCore / a.utilisation));
  // Rollout = partition key: a detector replica owns whole partitions; twice the replicas leaves room to scale out.
  const partitions = Math.max(6, Math.ceil((2 * detectorReplicas) / 6) * 6);
  const primaryBytesPerDay = eventsPerSecond * 86_400 * f.esBytesPerEvent;
  const diskPerDay = (primaryBytesPerDay * (1 + a.esReplicas)) / GB;
  // Enough cores for indexing (replicas index again) and enough disk for the retention; 3 for quorum.
  const esCores = (eventsPerSecond * (1 + a.esReplicas)) / f.esDocsPerCore / a.utilisation;
  const esNodes = Math.max(3, Math.ceil(esCores / a.esCoresPerNode), Math.ceil((diskPerDay * a.retentionDays) / 1024 / a.esDiskPerNodeTb));
  // One primary shard of the events per data node spreads the indexing; rollover at max shard size or a day.
  const eventsPrimaryShards = Math.max(1, Math.ceil(esNodes / (1 + a.esReplicas)));
  const eventsIndicesPerDay = Math.max(1, Math.ceil(primaryBytesPerDay / (eventsPrimaryShards * a.maxShardGb * GB)));
  // Anomalies and actions: one small backing index a day each, one primary.
  const shardsPerDay = (eventsIndicesPerDay * eventsPrimaryShards + 2) * (1 + a.esReplicas);
  return {
    rollouts,
    eventsPerSecond,
    ingestReplicas,
    detectorReplicas,
    detectorCoresForEvents: round1(coresForEvents),
    detectorCoresForEvaluations: round1(coresForEvaluations),
    detectorHeapPerReplicaMb: Math.round((rollouts * f.bytesPerRollout) / detectorReplicas / 1024 ** 2),
    partitions,
    esNodes,
    eventsPrimaryShards,
    shardsPerDay,
    esDiskPerDayGb: round1(diskPerDay),
    esDiskAtRetentionTb: round1((diskPerDay * a.retentionDays) / 1024),
    kafkaDiskAtRetentionGb: round1((eventsPerSecond * 86_400 * a.kafkaRetentionDays * f.kafkaBytesPerEvent * a.kafkaReplication) / GB),
  };
}

function round1(v: number): number {
  return Math.round(v * 10) / 10;
}

export function planTable(rows: Plan[]): string {
  const n = (v: number) => v.toLocaleString('en-US');
  return [
    '| Concurrent rollouts | Events/s | Ingest replicas | Detector replicas (cores: events + evaluations) | Detector heap per replica | `rollwatch.events` partitions | ES nodes (8 cores, 8 TB) | Events primary shards | Shards per day | ES disk per day | ES disk at 14 days | Kafka disk at 7 days (RF 3) |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map((p) =>
      `| ${n(p.rollouts)} | ${n(p.eventsPerSecond)} | ${p.ingestReplicas} | ${p.detectorReplicas} (${p.detectorCoresForEvents} + ${p.detectorCoresForEvaluations}) | ${n(p.detectorHeapPerReplicaMb)} MB | ${p.partitions} | ${p.esNodes} | ${p.eventsPrimaryShards} | ${p.shardsPerDay} | ${n(p.esDiskPerDayGb)} GB | ${p.esDiskAtRetentionTb} TB | ${n(p.kafkaDiskAtRetentionGb)} GB |`,
    ),
  ].join('\n');
}

/**
 * Measured on this project's machine kind (2 cores, AMD EPYC, shared by other work: load average
 * 15-19 during the runs, hence per-CPU-second figures), 2026-12-05:
 * - `rollwatch bench --only capacity` (full: 100,000 rollouts; 100,000 events into one ES 9.2 node);
 * - `rollwatch bench --only ingest --quick --docker-containers 0` (30,000 events, HTTP phase:
 *   4.39 CPU-s of the bench process, which also runs the 8 HTTP load clients);
 * - Kafka bytes: gzip of 500-event batches, half of them logs with real Loghub lines.
 */
export const MEASURED: PerCoreFigures = {
  ingestEventsPerCore: 6_834,
  engineEventsPerCore: 213_482,
  jsonEventsPerCore: 448_016,
  evaluationsPerCore: 4_639,
  bytesPerRollout: 8_939,
  esDocsPerCore: 21_008,
  esBytesPerEvent: 102,
  kafkaBytesPerEvent: 23,
};

/** The sizes: 1k / 10k / 100k concurrent rollouts and 10k / 100k / 1M events/s, and their pairs. */
export const SCENARIOS: [rollouts: number, eventsPerSecond: number][] = [
  [1_000, 10_000],
  [10_000, 100_000],
  [100_000, 1_000_000],
  [1_000, 100_000],
  [100_000, 100_000],
  [10_000, 1_000_000],
];
