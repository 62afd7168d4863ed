// Capacity figures for docs/capacity.md, measured per core on this machine:
// - fleet: ONE detector analysis engine (the detector's whole in-memory state, one thread) tracking
//   a synthetic fleet of N concurrent rollouts: events/s ingested, evaluations/s of a full tick
//   (every tracked rollout evaluated once), heap per rollout and rollouts per GB. Baseline: JSON.parse
//   of the same events (the least the detector must do per event: decode it from Kafka).
// - elasticsearch: bulk indexing into the events data stream through ElasticsearchStore.put (create by
//   id, @timestamp) on one node; baseline: the same documents as plain `index` bulk ops into a
//   regular index (how rollwatch stored events before data streams). Also the stored bytes per event
//   after a force-merge, for the disk-per-day column.
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { RollwatchEvent, StoreDoc } from '@rollwatch/core';
import { ElasticsearchStore, INDICES } from '@rollwatch/core';
import { createEngine } from '@rollwatch/analysis';
import { settledHeapUsed } from '../machine.js';
import { round } from '../stats.js';

export interface FleetResult {
  rollouts: number;
  eventsPerRollout: number;
  events: number;
  ingestSeconds: number;
  /** Events/s one engine ingests (wall clock; the machine is shared, see the CPU figure). */
  engineEventsPerSecond: number;
  /** Events per CPU-second of this process: the per-core figure, independent of other load. */
  engineEventsPerCpuSecond: number;
  /** Baseline: JSON.parse of the same events, events per CPU-second. */
  jsonParseEventsPerSecond: number;
  /** engineEventsPerCpuSecond / jsonParseEventsPerSecond. */
  ratioToJsonParse: number;
  /** One full tick: every tracked rollout evaluated once. */
  evaluateSeconds: number;
  evaluationsPerSecond: number;
  evaluationsPerCpuSecond: number;
  heapDeltaMb: number;
  bytesPerRollout: number;
  rolloutsPerGb: number;
  gcForced: boolean;
}

export interface EsBulkResult {
  documents: number;
  bulkSize: number;
  concurrency: number;
  /** ElasticsearchStore.put into the events data stream (op_type create by id). */
  dataStreamDocsPerSecond: number;
  /** Documents per CPU-second of the Elasticsearch process (node stats), the per-core figure. */
  dataStreamDocsPerEsCpuSecond: number;
  plainIndexDocsPerEsCpuSecond: number;
  /** Baseline: plain `index` bulk ops into a regular index, same documents. */
  plainIndexDocsPerSecond: number;
  ratio: number;
  /** Primary store bytes per event after a force-merge to one segment. */
  storedBytesPerEvent: number;
  jsonBytesPerEvent: number;
  /** Where the log events' messages came from (real Loghub lines when the shared data set is there). */
  messages: string;
  lifecycle: string;
}

export interface CapacityResult {
  fleet: FleetResult;
  elasticsearch?: EsBulkResult | { error: string };
}

const FLEET_INSTANCES = 2;
const FLEET_MINUTES = 3;

/** A light watched rollout: 2 canary + 2 baseline instances, a start each, 3 minutes of request/error counters. */
export function fleetRollout(index: number, startMs: number): RollwatchEvent[] {
  const rollout = `fleet-${index}`;
  const events: RollwatchEvent[] = [];
  let n = 0;
  for (const group of ['canary', 'baseline'] as const) {
    for (let i = 0; i < FLEET_INSTANCES; i++) {
      const instance = `${rollout}-${group}-${i}`;
      events.push({ id: `${rollout}-${n++}`, rollout, service: 'fleet', time: new Date(startMs).toISOString(), group, type: 'container_start', instance });
      for (let m = 0; m < FLEET_MINUTES; m++) {
        const time = new Date(startMs + m * 60_000 + 1000 * (i + 1)).toISOString();
        const wobble = ((index * 31 + i * 7 + m * 13) % 17) / 17;
        events.push({ id: `${rollout}-${n++}`, rollout, service: 'fleet', time, group, type: 'metric', instance, metric: 'http_requests_total', value: 600 + Math.round(wobble * 40) });
        events.push({ id: `${rollout}-${n++}`, rollout, service: 'fleet', time, group, type: 'metric', instance, metric: 'http_errors_total', value: Math.round(wobble * 6) });
      }
    }
  }
  return events;
}

export function measureFleet(rollouts: number, startMs = Date.now() - 3_600_000): FleetResult {
  // Baseline first, on a sample (the same generator, serialized as they travel on Kafka).
  const sample = Array.from({ length: Math.min(rollouts, 5_000) }, (_, r) => fleetRollout(r, startMs).map((e) => JSON.stringify(e)));
  const sampleEvents = sample.reduce((n, s) => n + s.length, 0);
  const p0 = cpuSeconds();
  let sink = 0;
  for (const lines of sample) for (const line of lines) sink += (JSON.parse(line) as { value?: number }).value ?? 0;
  const parseSeconds = cpuSeconds() - p0;
  if (sink < 0) throw new Error('unreachable');
  sample.length = 0;

  const empty = settledHeapUsed();
  const engine = createEngine();
  let events = 0;
  let generateNs = 0n;
  let generateCpuUs = 0;
  const c0 = cpuSeconds();
  const t0 = process.hrtime.bigint();
  for (let r = 0; r < rollouts; r++) {
    const g0 = process.hrtime.bigint();
    const gc0 = cpuSeconds();
    const batch = fleetRollout(r, startMs);
    generateNs += process.hrtime.bigint() - g0;
    generateCpuUs += (cpuSeconds() - gc0) * 1e6;
    events += batch.length;
    engine.ingest(batch);
  }
  const ingestSeconds = Number(process.hrtime.bigint() - t0 - generateNs) / 1e9;
  const ingestCpu = cpuSeconds() - c0 - generateCpuUs / 1e6;
  const ec0 = cpuSeconds();
  const e0 = process.hrtime.bigint();
  let decided = 0;
  for (let r = 0; r < rollouts; r++) if (engine.evaluate(`fleet-${r}`).decision) decided++;
  const evaluateSeconds = Number(process.hrtime.bigint() - e0) / 1e9;
  const evaluateCpu = cpuSeconds() - ec0;
  const full = settledHeapUsed();
  if (engine.rollouts().length !== rollouts || decided !== rollouts) throw new Error(`engine tracks ${engine.rollouts().length} rollouts (${decided} evaluated), expected ${rollouts}`);
  const delta = full.heapUsed - empty.heapUsed;
  const engineEventsPerSecond = events / ingestSeconds;
  const jsonParseEventsPerSecond = sampleEvents / parseSeconds;
  const engineEventsPerCpuSecond = events / ingestCpu;
  return {
    rollouts,
    eventsPerRollout: events / rollouts,
    events,
    ingestSeconds: round(ingestSeconds, 2),
    engineEventsPerSecond: Math.round(engineEventsPerSecond),
    engineEventsPerCpuSecond: Math.round(engineEventsPerCpuSecond),
    jsonParseEventsPerSecond: Math.round(jsonParseEventsPerSecond),
    ratioToJsonParse: round(engineEventsPerCpuSecond / jsonParseEventsPerSecond, 3),
    evaluateSeconds: round(evaluateSeconds, 2),
    evaluationsPerSecond: Math.round(rollouts / evaluateSeconds),
    evaluationsPerCpuSecond: Math.round(rollouts / evaluateCpu),
    heapDeltaMb: round(delta / 1024 ** 2, 1),
    bytesPerRollout: Math.round(delta / rollouts),
    rolloutsPerGb: Math.round(1024 ** 3 / (delta / rollouts)),
    gcForced: empty.gcForced && full.gcForced,
  };
}

/** Message column of the Loghub 2k CSVs (quoted fields may hold commas). */
function loghubMessages(): string[] {
  const dir = [process.env.ROLLWATCH_LOGHUB_DIR, path.resolve('../shared/data/loghub-2k'), '/work/shared/data/loghub-2k'].find((d) => d && existsSync(d));
  if (!dir) return [];
  const out: string[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('_structured.csv'))) {
    const [header, ...lines] = readFileSync(path.join(dir, file), 'utf8').split('\n');
    const column = header!.split(',').indexOf('Content');
    for (const line of lines) {
      const fields = line.match(/("([^"]|"")*"|[^,]*)(,|$)/g)?.map((f) => f.replace(/,$/, '').replace(/^"|"$/g, '').replace(/""/g, '"')) ?? [];
      if (fields[column]) out.push(fields[column]!);
    }
  }
  return out;
}

/**
 * Bulk documents as the detector stores them: the fleet's events, and as many log events (real
 * Loghub lines when available) as metric events, since logs dominate a real event stream's bytes.
 */
function benchDocuments(documents: number, startMs: number): { docs: StoreDoc[]; messages: string } {
  const lines = loghubMessages();
  const docs: StoreDoc[] = [];
  for (let r = 0; docs.length < documents; r++) {
    for (const e of fleetRollout(r, startMs)) {
      docs.push(e as unknown as StoreDoc);
      const message = lines.length ? lines[docs.length % lines.length]! : `request ${r}-${docs.length} failed: upstream connect error or disconnect/reset before headers (code ${docs.length % 7})`;
      docs.push({ id: `${e.id}-log`, rollout: e.rollout, service: e.service, time: e.time, group: e.group, instance: e.instance, type: 'log', level: docs.length % 5 ? 'info' : 'error', message, receivedAt: e.time } as unknown as StoreDoc);
    }
  }
  docs.length = documents;
  return { docs, messages: lines.length ? `Loghub 2k (${lines.length.toLocaleString('en-US')} real lines, cycled)` : 'synthetic' };
}

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

async function esCpuSeconds(store: ElasticsearchStore): Promise<number> {
  const stats = await store.client.nodes.stats({ metric: 'process' });
  return Object.values(stats.nodes).reduce((n, node) => n + (node.process?.cpu?.total_in_millis ?? 0), 0) / 1000;
}

async function timedBulk(docs: StoreDoc[], bulkSize: number, concurrency: number, write: (batch: StoreDoc[]) => Promise<void>): Promise<number> {
  const batches: StoreDoc[][] = [];
  for (let i = 0; i < docs.length; i += bulkSize) batches.push(docs.slice(i, i + bulkSize));
  let next = 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < batches.length) await write(batches[next++]!);
  }));
  return docs.length / (Number(process.hrtime.bigint() - t0) / 1e9);
}

/** Bulk indexing on one Elasticsearch node: the events data stream vs a plain index, same documents. */
export async function measureEsBulk(url: string, documents: number, bulkSize = 1000, concurrency = 2): Promise<EsBulkResult> {
  const prefix = `bench-${randomUUID().slice(0, 8)}-`;
  const store = new ElasticsearchStore({ url, prefix, storage: { lifecycle: 'none', replicas: { events: 0, anomalies: 0, actions: 0, verdicts: 0, rollouts: 0, silences: 0, checkpoints: 0 } } });
  const plain = `${prefix}plain-events`;
  try {
    await store.ensureIndices();
    const { docs, messages } = benchDocuments(documents, Date.now() - 3_600_000);
    const template = (await store.client.indices.getIndexTemplate({ name: `${prefix}${INDICES.events}` })).index_templates[0]!.index_template.template!;
    await store.client.indices.create({ index: plain, settings: { number_of_shards: 1, number_of_replicas: 0 }, mappings: template.mappings });
    // Warm-up (JIT, connections), then baseline and the data stream alternately.
    await store.client.bulk({ operations: docs.slice(0, 500).flatMap((d) => [{ index: { _index: `${plain}-warm`, _id: d.id } }, d]) });
    const p0 = await esCpuSeconds(store);
    const plainRate = await timedBulk(docs, bulkSize, concurrency, async (batch) => {
      const r = await store.client.bulk({ operations: batch.flatMap((d) => [{ index: { _index: plain, _id: d.id } }, d]) });
      if (r.errors) throw new Error('plain bulk had errors');
    });
    const p1 = await esCpuSeconds(store);
    const streamRate = await timedBulk(docs, bulkSize, concurrency, (batch) => store.put(INDICES.events, batch));
    const p2 = await esCpuSeconds(store);
    const dataStream = `${prefix}${INDICES.events}`;
    await store.client.indices.refresh({ index: dataStream });
    await store.client.indices.forcemerge({ index: dataStream, max_num_segments: 1 });
    const stats = await store.client.indices.stats({ index: dataStream, metric: ['store', 'docs'] });
    const primaries = stats._all.primaries!;
    return {
      documents,
      bulkSize,
      concurrency,
      dataStreamDocsPerSecond: Math.round(streamRate),
      plainIndexDocsPerSecond: Math.round(plainRate),
      dataStreamDocsPerEsCpuSecond: Math.round(documents / (p2 - p1)),
      plainIndexDocsPerEsCpuSecond: Math.round(documents / (p1 - p0)),
      ratio: round(streamRate / plainRate, 3),
      storedBytesPerEvent: Math.round((primaries.store?.size_in_bytes ?? 0) / (primaries.docs?.count ?? 1)),
      jsonBytesPerEvent: Math.round(docs.reduce((n, d) => n + Buffer.byteLength(JSON.stringify(d)), 0) / docs.length),
      messages,
      lifecycle: await store.resolveLifecycle(),
    };
  } finally {
    await store.client.indices.delete({ index: `${plain},${plain}-warm`, ignore_unavailable: true }).catch(() => undefined);
    // Deleting a data stream needs the data stream API (absent from the integ-test distribution).
    await store.client.indices.deleteDataStream({ name: `${prefix}*` }).catch(() => undefined);
    await store.close();
  }
}

export async function measureCapacity(fleetRollouts: number, esUrl: string | undefined, esDocuments: number): Promise<CapacityResult> {
  const fleet = measureFleet(fleetRollouts);
  if (!esUrl) return { fleet };
  try {
    return { fleet, elasticsearch: await measureEsBulk(esUrl, esDocuments) };
  } catch (error) {
    return { fleet, elasticsearch: { error: (error as Error).message } };
  }
}

export function capacityMarkdown(c: CapacityResult): string[] {
  const f = c.fleet;
  const lines = [
    `One detector analysis engine (one core) tracking ${f.rollouts.toLocaleString('en-US')} concurrent rollouts of ${f.eventsPerRollout} events each (${f.events.toLocaleString('en-US')} events).`,
    '',
    '| Figure | This run | Baseline | Ratio |',
    '|---|---|---|---|',
    `| Events per CPU-second (per core) | ${f.engineEventsPerCpuSecond.toLocaleString('en-US')} | JSON.parse ${f.jsonParseEventsPerSecond.toLocaleString('en-US')} ev per CPU-s | ${f.ratioToJsonParse}× |`,
    `| Events/s ingested by the engine (wall, shared machine) | ${f.engineEventsPerSecond.toLocaleString('en-US')} | — | — |`,
    `| Evaluations/s (one tick over the fleet: ${f.evaluateSeconds} s wall) | ${f.evaluationsPerSecond.toLocaleString('en-US')}; per CPU-second ${f.evaluationsPerCpuSecond.toLocaleString('en-US')} | — | — |`,
    `| Heap for the fleet | ${f.heapDeltaMb} MB (${f.bytesPerRollout.toLocaleString('en-US')} B per rollout, ${f.rolloutsPerGb.toLocaleString('en-US')} rollouts per GB) | — | — |`,
  ];
  const e = c.elasticsearch;
  if (e && 'error' in e) lines.push('', `Elasticsearch bulk: failed: ${e.error}`);
  else if (e) {
    lines.push(
      '',
      `Elasticsearch bulk indexing on one node (${e.documents.toLocaleString('en-US')} events, ${e.bulkSize} per bulk, ${e.concurrency} in flight; lifecycle ${e.lifecycle}): data stream ${e.dataStreamDocsPerSecond.toLocaleString('en-US')} docs/s (${e.dataStreamDocsPerEsCpuSecond.toLocaleString('en-US')} per Elasticsearch CPU-second) vs plain index ${e.plainIndexDocsPerSecond.toLocaleString('en-US')} docs/s (${e.plainIndexDocsPerEsCpuSecond.toLocaleString('en-US')} per CPU-second; baseline) = **${e.ratio}×**; ${e.storedBytesPerEvent} stored bytes per event after a force-merge (${e.jsonBytesPerEvent} bytes as JSON; half the events are logs, messages: ${e.messages}).`,
    );
  }
  return lines;
}
