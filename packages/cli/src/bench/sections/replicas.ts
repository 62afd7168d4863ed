// Detector consumption throughput with 1 and 2 replicas, in the same run, on real Kafka: each
// replica is the real detector service (its own OS process, so its own core), sharing one consumer
// group. The group's offsets are set to the end of the topic, the replicas start, and once every
// one of them holds partitions the run's events are published (faster than they are consumed) and
// counted from each replica's own /metrics until all are consumed: events/s over that window.
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { KafkaBus, TOPICS, type RollwatchEventInput } from '@rollwatch/core';
import { freePort } from '@rollwatch/testkit';
import { chunk } from '../load.js';
import { round } from '../stats.js';

export interface ReplicaFigure {
  /** Partitions of rollwatch.events the group assigned this replica (at the end of the run). */
  partitions: number[];
  /** Events this replica consumed inside the window. */
  events: number;
  /** events / window seconds. */
  eventsPerSecond: number;
}

export interface ReplicaRun {
  replicas: number;
  /** Events published before the replicas started (never drained within the window). */
  backlog: number;
  /** Consumed before the window (a lone first member's head start, the rebalance): not counted. */
  eventsBeforeWindow: number;
  /** Consumed inside the window. */
  events: number;
  windowSeconds: number;
  /** All replicas together over the window. */
  eventsPerSecond: number;
  perReplica: ReplicaFigure[];
}

export interface ReplicasResult {
  store: 'memory' | 'elasticsearch';
  topicPartitions: number;
  rollouts: number;
  cpus: number;
  runs: ReplicaRun[];
  /** 2-replica events/s over the 1-replica figure (2 = linear scaling). */
  speedupTwoReplicas: number | null;
  note: string;
}

const LEVELS = ['info', 'info', 'info', 'warn', 'error'] as const;

/** Event `i` of a run: metrics and log lines (template mining is part of the work) over `rollouts` rollouts. */
export function replicaLoadEvent(i: number, rollouts: number, baseMs: number, tag: string): RollwatchEventInput {
  const r = i % rollouts;
  const step = Math.floor(i / rollouts);
  const group = step % 2 === 0 ? 'canary' : 'baseline';
  const instance = `${group}-${step % 3}`;
  const base = { id: `${tag}-${i}`, time: new Date(baseMs + step * 1000).toISOString(), rollout: `bench-replicas-${tag}-${r}`, group, instance, service: 'bench' } as const;
  if (step % 3 === 0) return { ...base, type: 'metric', metric: step % 2 === 0 ? 'latency_ms' : 'http_errors_total', value: 40 + ((i * 7) % 13) };
  const level = LEVELS[(i * 31) % LEVELS.length]!;
  return { ...base, type: 'log', level, message: `request ${i % 97} to /api/v${(i % 3) + 1}/orders finished with status ${level === 'error' ? 500 : 200} in ${(i * 13) % 250} ms` };
}

/** A topic just created has no partition leaders for a moment: retry what the broker refuses meanwhile. */
async function settled<T>(what: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await what();
    } catch (error) {
      if (attempt >= 30) throw error;
      await sleep(500);
    }
  }
}

function detectorEntry(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('@rollwatch/detector')), 'main.js');
}

interface Replica {
  child: ChildProcess;
  url: string;
  output: string[];
}

async function startReplica(env: Record<string, string>): Promise<Replica> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [detectorEntry()], {
    // The advertised URL is published to the group: it tells which partitions each replica holds.
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', KAFKAJS_NO_PARTITIONER_WARNING: '1', ...env, DETECTOR_PORT: String(port), DETECTOR_HOST: '127.0.0.1', DETECTOR_ADVERTISED_URL: url },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout!.setEncoding('utf8').on('data', (d: string) => output.push(d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => output.push(d));
  return { child, url, output };
}

async function stopReplica(replica: Replica): Promise<void> {
  if (replica.child.exitCode !== null) return;
  const exited = new Promise((resolve) => replica.child.once('exit', resolve));
  replica.child.kill('SIGKILL');
  await exited;
}

/** Events the replica consumed so far (every result), or undefined while its API is not up. */
async function consumed(replica: Replica): Promise<number | undefined> {
  try {
    const res = await fetch(`${replica.url}/metrics`, { signal: AbortSignal.timeout(2000) });
    if (!res.ok) return undefined;
    const text = await res.text();
    let sum = 0;
    for (const match of text.matchAll(/^rollwatch_detector_events_consumed_total\{[^}]*\} (\d+)/gm)) sum += Number(match[1]);
    return sum;
  } catch {
    return undefined;
  }
}

/** advertised URL → partitions of rollwatch.events, once the group is stable; undefined before. */
async function assignmentByUrl(admin: Admin, bus: KafkaBus, group: string): Promise<Map<string, number[]> | undefined> {
  const { groups } = await admin.describeGroups([group]);
  if (groups[0]?.state !== 'Stable') return undefined;
  const byUrl = new Map<string, number[]>();
  for (const member of await bus.groupMembers(group)) {
    const url = member.data ? (JSON.parse(member.data) as { url?: string }).url : undefined;
    if (url) byUrl.set(url, [...(member.assignment[TOPICS.events] ?? [])].sort((a, b) => a - b));
  }
  return byUrl;
}

async function oneRun(options: { admin: Admin; bus: KafkaBus; brokers: string[]; replicas: number; events: number; rollouts: number; partitions: number; windowMs: number; elasticsearchUrl?: string | undefined; tag: string; timeoutMs: number }): Promise<ReplicaRun> {
  const { admin, replicas: count, events, tag } = options;
  const group = `bench-replicas-${tag}`;
  const before = await settled(() => admin.fetchTopicOffsets(TOPICS.events));
  // The backlog first (not timed), then the group starts right before it: it consumes nothing else.
  const producer = new Kafka({ clientId: `bench-replicas-${tag}`, brokers: options.brokers, logLevel: logLevel.NOTHING }).producer();
  await producer.connect();
  try {
    const base = Date.now() - 30 * 60_000;
    const batches = chunk(Array.from({ length: events }, (_, i) => i), 2000);
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < batches.length) {
          const messages = batches[next++]!.map((i) => {
            const event = replicaLoadEvent(i, options.rollouts, base, tag);
            return { key: event.rollout, value: JSON.stringify(event) };
          });
          await settled(() => producer.send({ topic: TOPICS.events, acks: -1, messages }));
        }
      }),
    );
  } finally {
    await producer.disconnect();
  }
  await admin.setOffsets({ groupId: group, topic: TOPICS.events, partitions: before.map((p) => ({ partition: p.partition, offset: p.high })) });

  const env: Record<string, string> = {
    KAFKA_BROKERS: options.brokers.join(','),
    KAFKA_CLIENT_ID: `bench-replicas-${tag}`,
    KAFKA_PARTITIONS: String(options.partitions),
    DETECTOR_CONSUMER_GROUP: group,
    // A throughput figure, not a restore: nothing to restore from earlier runs' stored events.
    DETECTOR_REBUILD_MAX_EVENTS: '0',
    LOG_LEVEL: 'warn',
    ...(options.elasticsearchUrl ? { ELASTICSEARCH_URL: options.elasticsearchUrl } : {}),
  };
  const running = await Promise.all(Array.from({ length: count }, () => startReplica(env)));
  try {
    const deadline = Date.now() + options.timeoutMs;
    // The first replica to join consumes alone until the others are in: the window starts once
    // every replica holds partitions (and a rebalance's hand-over has settled).
    let assignment: Map<string, number[]> | undefined;
    const formed = (a: Map<string, number[]> | undefined): a is Map<string, number[]> => a !== undefined && running.every((r) => (a.get(r.url)?.length ?? 0) > 0);
    while (!formed((assignment = await assignmentByUrl(admin, options.bus, group)))) {
      if (Date.now() > deadline) throw new Error(`${count} replica(s) did not form a stable group: ${running.map((r) => r.output.join('').slice(-500)).join(' | ')}`);
      await sleep(100);
    }
    // Warm-up excluded too: the window opens once every replica is consuming (its first batches
    // create indices and connections), a second after the group formed at the earliest.
    const counts = () => Promise.all(running.map(async (r) => (await consumed(r)) ?? 0));
    const formedCounts = await counts();
    await sleep(1000);
    while ((await counts()).some((n, i) => n <= formedCounts[i]!)) {
      if (Date.now() > deadline) throw new Error('a replica consumed nothing after the group formed');
      await sleep(100);
    }
    const startCounts = await counts();
    const windowStart = process.hrtime.bigint();
    await sleep(options.windowMs);
    const endCounts = await counts();
    const seconds = Number(process.hrtime.bigint() - windowStart) / 1e9;
    const total = endCounts.reduce((a, b) => a + b, 0);
    // Every replica must have had a backlog the whole window, or the figure is the producer's.
    if (total >= events) throw new Error(`the backlog of ${events} events was drained during the window (${count} replica(s)); raise --replica-events`);
    const finalAssignment = (await assignmentByUrl(admin, options.bus, group)) ?? assignment;
    const perReplica: ReplicaFigure[] = running.map((r, i) => {
      const n = endCounts[i]! - startCounts[i]!;
      return { partitions: finalAssignment.get(r.url) ?? [], events: n, eventsPerSecond: Math.round(n / seconds) };
    });
    const counted = total - startCounts.reduce((a, b) => a + b, 0);
    return { replicas: count, backlog: events, eventsBeforeWindow: startCounts.reduce((a, b) => a + b, 0), events: counted, windowSeconds: round(seconds, 2), eventsPerSecond: Math.round(counted / seconds), perReplica };
  } finally {
    await Promise.all(running.map(stopReplica));
  }
}

/** 1 replica, then 2, on the same broker and the same kind of events (distinct rollouts per run). */
export async function measureReplicas(options: { brokers: string[]; events: number; windowMs: number; rollouts: number; elasticsearchUrl?: string | undefined; cpus: number; timeoutMs: number; log: (line: string) => void }): Promise<ReplicasResult> {
  const bus = new KafkaBus({ brokers: options.brokers, clientId: 'bench-replicas', partitions: 6 });
  await bus.ensureTopics();
  const admin = new Kafka({ clientId: 'bench-replicas-admin', brokers: options.brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const partitions = (await settled(() => admin.fetchTopicOffsets(TOPICS.events))).length;
    const run = Math.random().toString(36).slice(2, 8);
    const runs: ReplicaRun[] = [];
    for (const replicas of [1, 2]) {
      options.log(`replicas: ${replicas} replica(s), backlog of ${options.events} events over ${options.rollouts} rollouts, ${partitions} partitions`);
      runs.push(await oneRun({ admin, bus, brokers: options.brokers, replicas, events: options.events, rollouts: options.rollouts, partitions, windowMs: options.windowMs, elasticsearchUrl: options.elasticsearchUrl, tag: `${run}-${replicas}`, timeoutMs: options.timeoutMs }));
    }
    const [one, two] = runs;
    return {
      store: options.elasticsearchUrl ? 'elasticsearch' : 'memory',
      topicPartitions: partitions,
      rollouts: options.rollouts,
      cpus: options.cpus,
      runs,
      speedupTwoReplicas: one && two && one.eventsPerSecond > 0 ? round(two.eventsPerSecond / one.eventsPerSecond, 2) : null,
      note: 'each replica is the detector service in its own process; Kafka (and Elasticsearch when used) and this bench share the same cores',
    };
  } finally {
    await admin.disconnect();
    await bus.close();
  }
}
