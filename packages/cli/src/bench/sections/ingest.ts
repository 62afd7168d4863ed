// Ingest throughput: events/s from HTTP push (POST /api/v1/events of a real ingest instance) to
// acknowledged in real Kafka, against a raw kafkajs producer writing the same messages with the same
// settings (idempotent, acks=-1, gzip, ingest's batch size): the ceiling for our client. A 202 from
// ingest means "acked by Kafka or fsynced to the spool", so the run also checks that nothing was
// spooled and that the topic's end offsets grew by exactly the events sent.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CompressionTypes, Kafka, logLevel, type Admin } from 'kafkajs';
import { closeServer, createBus, createLogger, createRegistry, KafkaBus, listen, loadConfig, TOPICS, type BusMessage } from '@rollwatch/core';
import { createIngest, ingestConfigSchema } from '@rollwatch/ingest';
import { memorySampler, type MemorySample } from '../machine.js';
import { chunk, loadEvents, pushAllInWorker, toBusMessage } from '../load.js';
import { distribution, ratio, round, type Distribution } from '../stats.js';
import type { DockerSourceResult } from './docker-source.js';

export interface PhaseResult {
  events: number;
  seconds: number;
  eventsPerSecond: number;
  /** End-offset growth of rollwatch.events during the phase (must equal `events`). */
  offsetsAdvanced: number;
  cpuSecondsBenchProcess: number;
  peakMemory: MemorySample;
}

export interface IngestResult {
  kafka: string;
  clients: number;
  eventsPerRequest: number;
  producerBatch: number;
  rounds: { raw: PhaseResult; http: PhaseResult }[];
  /** Best round of each (the least disturbed by the 2-core machine's other work). */
  rawEventsPerSecond: number;
  httpEventsPerSecond: number;
  /** http / raw. */
  ratio: number | null;
  target: { ratioAtLeast: number; met: boolean };
  requestLatencyMs: Distribution;
  spooledEvents: number;
  /** Memory of the bench process: raw phase (load generator + producer) vs HTTP phase (+ ingest). */
  memory: { rawPhasePeak: MemorySample; httpPhasePeak: MemorySample; ingestAttributableRssMb: number; note: string };
  /** Filled in by the bench after this phase (Podman engine → docker source → Kafka). */
  dockerSource: DockerSourceResult | { skipped: true; reason: string } | { error: string };
}

async function endOffsets(admin: Admin): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(TOPICS.events);
  return offsets.reduce((sum, p) => sum + Number(p.high), 0);
}

function cpuSeconds(since: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since);
  return round((u.user + u.system) / 1e6, 2);
}

export async function measureIngest(brokers: string[], events: number, clients: number, batch: number, rounds: number): Promise<IngestResult> {
  const logger = createLogger('bench', 'silent');
  const spoolDir = await mkdtemp(path.join(os.tmpdir(), 'rollwatch-bench-spool-'));
  const env = {
    KAFKA_BROKERS: brokers.join(','),
    KAFKA_CLIENT_ID: 'rollwatch-bench',
    LOG_LEVEL: 'silent',
    INGEST_SPOOL_DIR: spoolDir,
    INGEST_RATE_LIMIT: '0', INGEST_MAX_NEW_ROLLOUTS_PER_MINUTE: '0',
  };
  const config = loadConfig(ingestConfigSchema, { env });
  const producerBatch = config.INGEST_BATCH_MAX_EVENTS;
  const kafka = new Kafka({ clientId: 'rollwatch-bench-raw', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const setupBus = new KafkaBus({ brokers, clientId: 'rollwatch-bench-setup', partitions: config.KAFKA_PARTITIONS });
  await setupBus.ensureTopics();
  await setupBus.close();
  await admin.connect();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();

  const bus = createBus(config, 'ingest', logger);
  const ingest = createIngest({ config, bus, logger, registry: createRegistry('ingest') });
  await ingest.start();
  const { server, port } = await listen(ingest.app, 0, '127.0.0.1');

  const rawPhase = async (messages: BusMessage[]): Promise<Omit<PhaseResult, 'offsetsAdvanced' | 'peakMemory' | 'cpuSecondsBenchProcess'>> => {
    const chunks = chunk(messages, producerBatch);
    let next = 0;
    const start = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (next < chunks.length) {
          const c = chunks[next++]!;
          await producer.send({ topic: TOPICS.events, acks: -1, compression: CompressionTypes.GZIP, messages: c.map((m) => ({ key: m.key, value: m.value, headers: m.headers })) });
        }
      }),
    );
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    return { events: messages.length, seconds: round(seconds, 3), eventsPerSecond: Math.round(messages.length / seconds) };
  };
  const latencies: number[] = [];
  const httpPhase = async (bodies: { json: string; events: number }[]): Promise<Omit<PhaseResult, 'offsetsAdvanced' | 'peakMemory' | 'cpuSecondsBenchProcess'>> => {
    const r = await pushAllInWorker(port, bodies, clients);
    if (r.failures.length) throw new Error(`ingest answered ${r.failures.length} request(s) with an error, first: ${r.failures[0]!.status} ${r.failures[0]!.body}`);
    for (const ms of r.requestLatencyMs) latencies.push(ms);
    return { events: r.events, seconds: round(r.seconds, 3), eventsPerSecond: Math.round(r.events / r.seconds) };
  };
  const measured = async (run: () => Promise<Omit<PhaseResult, 'offsetsAdvanced' | 'peakMemory' | 'cpuSecondsBenchProcess'>>): Promise<PhaseResult> => {
    const before = await endOffsets(admin);
    const sampler = memorySampler();
    const cpu = process.cpuUsage();
    const r = await run();
    const cpuSecondsBenchProcess = cpuSeconds(cpu);
    const { peak } = sampler.stop();
    const offsetsAdvanced = (await endOffsets(admin)) - before;
    if (offsetsAdvanced !== r.events) throw new Error(`rollwatch.events grew by ${offsetsAdvanced} messages, expected ${r.events}`);
    return { ...r, offsetsAdvanced, cpuSecondsBenchProcess, peakMemory: peak };
  };

  try {
    const base = Date.now() - 15 * 60_000;
    const warm = Math.max(batch * clients, Math.round(events * 0.05));
    // Warm-up (untimed): connections, JIT, topic metadata, Kafka's page cache.
    await rawPhase(loadEvents(warm, base, 'warm-raw').map(toBusMessage));
    await httpPhase(chunk(loadEvents(warm, base, 'warm-http'), batch).map((c) => ({ json: JSON.stringify(c), events: c.length })));
    latencies.length = 0;

    const out: IngestResult['rounds'] = [];
    for (let round_ = 0; round_ < rounds; round_++) {
      const rawMessages = loadEvents(events, base, `raw-${round_}`).map(toBusMessage);
      const raw = await measured(() => rawPhase(rawMessages));
      const bodies = chunk(loadEvents(events, base, `http-${round_}`), batch).map((c) => ({ json: JSON.stringify(c), events: c.length }));
      const http = await measured(() => httpPhase(bodies));
      out.push({ raw, http });
    }
    const delivery = ingest.delivery();
    const spooledEvents = delivery?.spool.events ?? 0;
    if (spooledEvents > 0) throw new Error(`${spooledEvents} event(s) went to the spool instead of Kafka; throughput would be overstated`);
    const rawBest = out.reduce((best, r) => Math.max(best, r.raw.eventsPerSecond), -Infinity);
    const httpBest = out.reduce((best, r) => Math.max(best, r.http.eventsPerSecond), -Infinity);
    const r = ratio(httpBest, rawBest);
    const rawPeak = out.map((x) => x.raw.peakMemory).reduce((a, b) => (b.rssMb > a.rssMb ? b : a));
    const httpPeak = out.map((x) => x.http.peakMemory).reduce((a, b) => (b.rssMb > a.rssMb ? b : a));
    return {
      kafka: brokers.join(','),
      clients,
      eventsPerRequest: batch,
      producerBatch,
      rounds: out,
      rawEventsPerSecond: rawBest,
      httpEventsPerSecond: httpBest,
      ratio: r,
      target: { ratioAtLeast: 0.7, met: r !== null && r >= 0.7 },
      requestLatencyMs: distribution(latencies),
      spooledEvents,
      memory: {
        rawPhasePeak: rawPeak,
        httpPhasePeak: httpPeak,
        ingestAttributableRssMb: round(httpPeak.rssMb - rawPeak.rssMb, 1),
        // Heap peaks are not comparable: the raw phase holds its prebuilt messages on this heap, the
        // HTTP phase's bodies live on the load worker's heap. RSS covers the whole process.
        note: 'process-wide peaks (200 ms sampling); RSS difference = what ingest adds under this load; heapUsed is per isolate and not comparable across the phases',
      },
      dockerSource: {
        skipped: true,
        reason: 'not run (measured separately by the bench; see measureDockerSource)',
      },
    };
  } finally {
    await closeServer(server).catch(() => undefined);
    await ingest.stop().catch(() => undefined);
    await bus.close().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    await rm(spoolDir, { recursive: true, force: true });
  }
}
