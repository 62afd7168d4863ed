import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, CompressionTypes, logLevel, type Consumer, type KafkaConfig, type Producer, type SASLOptions } from 'kafkajs';
import type { Logger } from 'pino';
import { TOPICS, UnavailableError } from '@rollwatch/contract';
import { consumeWithDeadLetters } from './dead-letter.js';
import { ensureTopicSettings, topicSpecs, type TopicSettingsOptions } from './topic-settings.js';
import type { Bus, BusMessage, ConsumedMessage, GroupMember, HealthStatus, PartitionListener, SubscribeOptions, Subscription } from './interface.js';
import { decodeGroupMembers, roundRobinWithMemberData } from './member-data.js';

export interface KafkaBusOptions {
  brokers: string[];
  clientId: string;
  ssl?: boolean;
  sslCaFile?: string;
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
  partitions?: number;
  replicationFactor?: number;
  /** Retention, min.insync.replicas, max message size of the topics (see topic-settings.ts). */
  topicSettings?: Omit<TopicSettingsOptions, 'partitions' | 'replicationFactor'>;
  logger?: Logger;
  /** How long publish() may wait for acks before failing with a retriable error. */
  requestTimeoutMs?: number;
}

/** Kafka via kafkajs: idempotent producer, acks from all in-sync replicas, commit after handler. */
export class KafkaBus implements Bus {
  readonly kind = 'kafka' as const;
  private readonly kafka: Kafka;
  private producer: Producer | undefined;
  private producerConnecting: Promise<Producer> | undefined;
  private readonly consumers = new Set<Consumer>();
  private topicsEnsured: Promise<void> | undefined;

  constructor(private readonly options: KafkaBusOptions) {
    const config: KafkaConfig = {
      clientId: options.clientId,
      brokers: options.brokers,
      logLevel: logLevel.NOTHING,
      connectionTimeout: 3000,
      requestTimeout: options.requestTimeoutMs ?? 10_000,
      retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 2000 },
    };
    if (options.ssl) config.ssl = options.sslCaFile ? { ca: [readFileSync(options.sslCaFile, 'utf8')] } : true;
    if (options.sasl) config.sasl = options.sasl as SASLOptions;
    this.kafka = new Kafka(config);
  }

  /** Creates rollwatch's topics if missing, with explicit settings; warns naming any drift. Safe to call concurrently. */
  ensureTopics(): Promise<void> {
    this.topicsEnsured ??= this.createTopics().catch((error: unknown) => {
      this.topicsEnsured = undefined;
      throw error;
    });
    return this.topicsEnsured;
  }

  private async createTopics(): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const specs = topicSpecs({ partitions: this.options.partitions ?? 6, replicationFactor: this.options.replicationFactor ?? 1, ...this.options.topicSettings });
      await ensureTopicSettings(admin, specs, this.options.logger);
    } finally {
      await admin.disconnect();
    }
  }

  private async getProducer(): Promise<Producer> {
    if (this.producer) return this.producer;
    this.producerConnecting ??= (async () => {
      const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
      producer.on(producer.events.DISCONNECT, () => {
        if (this.producer === producer) this.producer = undefined;
      });
      await producer.connect();
      this.producer = producer;
      return producer;
    })().finally(() => {
      this.producerConnecting = undefined;
    });
    return this.producerConnecting;
  }

  async publish(topic: string, messages: BusMessage[]): Promise<void> {
    if (messages.length === 0) return;
    try {
      await this.ensureTopics();
      const producer = await this.getProducer();
      await producer.send({
        topic,
        acks: -1,
        compression: CompressionTypes.GZIP,
        messages: messages.map((m) => ({ key: m.key, value: m.value, headers: m.headers })),
      });
    } catch (error) {
      // Drop the producer so the next attempt reconnects from scratch (metadata may be stale).
      const producer = this.producer;
      this.producer = undefined;
      await producer?.disconnect().catch(() => undefined);
      throw new UnavailableError(`kafka publish to ${topic} failed: ${(error as Error).message}`, { cause: error });
    }
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    await this.ensureTopics();
    const consumer = this.kafka.consumer({
      groupId: options.groupId,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 100,
      ...(options.memberData !== undefined ? { partitionAssigners: [roundRobinWithMemberData(options.memberData)] } : {}),
    });
    this.consumers.add(consumer);
    let running = true;
    await consumer.connect();
    await consumer.subscribe({ topics: options.topics, fromBeginning: options.fromBeginning ?? false });
    const assignment = options.partitions ? new AssignmentTracker(options.topics, options.partitions, this.options.logger) : undefined;
    if (assignment) consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => assignment.joined(payload.memberAssignment));
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale, commitOffsetsIfNecessary }) => {
        if (batch.messages.length === 0) return;
        // A newly assigned partition is restored before any of its messages is handled.
        if (assignment && !(await assignment.ready(batch.topic, batch.partition, heartbeat))) return;
        if (!running || !isRunning() || isStale()) return;
        const messages: ConsumedMessage[] = batch.messages.map((m) => ({
          topic: batch.topic,
          partition: batch.partition,
          offset: m.offset,
          key: m.key?.toString() ?? '',
          value: m.value?.toString() ?? '',
          headers: Object.fromEntries(Object.entries(m.headers ?? {}).map(([k, v]) => [k, v?.toString() ?? ''])),
        }));
        // Work must be durable before the commit: a transient failure retries the same batch, a
        // permanent one dead-letters the messages that cause it (rollwatch.dlq) and moves on.
        const done = await consumeWithDeadLetters(messages, {
          source: this.options.clientId,
          consumer: options.groupId,
          handler: options.handler,
          deadLetter: (dead) => this.publish(TOPICS.dlq, dead),
          active: () => running && isRunning() && !isStale(),
          onWait: heartbeat,
          logger: this.options.logger,
        });
        if (!done) return;
        const last = batch.messages[batch.messages.length - 1]!.offset;
        resolveOffset(last);
        // autoCommit is off (commit only after the work is durable), so name the offset explicitly:
        // without it kafkajs' commitOffsetsIfNecessary() commits nothing.
        await commitOffsetsIfNecessary({ topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: (BigInt(last) + 1n).toString() }] }] });
        await heartbeat();
      },
    });
    return {
      stop: async () => {
        running = false;
        this.consumers.delete(consumer);
        await consumer.disconnect();
        assignment?.revokeAll();
      },
    };
  }

  async groupMembers(groupId: string): Promise<GroupMember[]> {
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      const { groups } = await admin.describeGroups([groupId]);
      return groups[0] ? decodeGroupMembers(groups[0]) : [];
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  async health(): Promise<HealthStatus> {
    const admin = this.kafka.admin();
    try {
      await Promise.race([
        (async () => {
          await admin.connect();
          await admin.describeCluster();
        })(),
        sleep(3000).then(() => {
          throw new Error('timed out');
        }),
      ]);
      return { ok: true };
    } catch (error) {
      return { ok: false, detail: `kafka unreachable: ${(error as Error).message}` };
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.consumers].map((c) => c.disconnect().catch(() => undefined)));
    this.consumers.clear();
    await this.producer?.disconnect().catch(() => undefined);
    this.producer = undefined;
  }
}

/**
 * Follows the group's assignment (kafkajs emits GROUP_JOIN with it after every join, before fetching):
 * restores newly assigned partitions at once (so idle ones are owned too), and holds their batches
 * until that restore is done; partitions no longer assigned are revoked.
 */
class AssignmentTracker {
  /** `topic/partition` → its restore (resolves true once done, false if it failed: retried on the next batch). */
  private readonly owned = new Map<string, Promise<boolean>>();

  constructor(private readonly topics: string[], private readonly listener: PartitionListener, private readonly logger?: Logger) {}

  joined(memberAssignment: Record<string, number[]>): void {
    const next = new Set<string>();
    for (const [topic, partitions] of Object.entries(memberAssignment)) for (const p of partitions) next.add(`${topic}/${p}`);
    const revoked = [...this.owned.keys()].filter((k) => !next.has(k));
    for (const key of revoked) this.owned.delete(key);
    for (const [topic, partitions] of groupByTopic(revoked)) this.listener.revoked(topic, partitions);
    const added = groupByTopic([...next].filter((k) => !this.owned.has(k)));
    for (const [topic, partitions] of added) this.restore(topic, partitions);
    // Every join is reported, even one that adds nothing (more members than partitions): the
    // listener learns the member is in the group and owns what it owns.
    for (const topic of this.topics) if (!added.has(topic)) void this.listener.assigned(topic, []).catch(() => undefined);
  }

  /** Waits (heartbeating) until the partition is restored; false if it could not be (the batch comes back). */
  async ready(topic: string, partition: number, heartbeat: () => Promise<void>): Promise<boolean> {
    const key = `${topic}/${partition}`;
    // Assigned without a GROUP_JOIN seen here (not expected): restore it now.
    const restore = this.owned.get(key) ?? this.restore(topic, [partition]);
    const beat = setInterval(() => void heartbeat().catch(() => undefined), 1000);
    try {
      if (await restore) return true;
    } finally {
      clearInterval(beat);
    }
    if (this.owned.get(key) === restore) this.restore(topic, [partition]);
    await sleep(500);
    return false;
  }

  revokeAll(): void {
    const all = [...this.owned.keys()];
    this.owned.clear();
    for (const [topic, partitions] of groupByTopic(all)) this.listener.revoked(topic, partitions);
  }

  private restore(topic: string, partitions: number[]): Promise<boolean> {
    const restore = this.listener.assigned(topic, partitions).then(
      () => true,
      (error: unknown) => {
        this.logger?.warn({ topic, partitions, err: (error as Error).message }, 'restoring assigned partitions failed; retrying before their next batch');
        return false;
      },
    );
    for (const p of partitions) this.owned.set(`${topic}/${p}`, restore);
    return restore;
  }
}

function groupByTopic(keys: string[]): Map<string, number[]> {
  const byTopic = new Map<string, number[]>();
  for (const key of keys) {
    const cut = key.lastIndexOf('/');
    const topic = key.slice(0, cut);
    byTopic.set(topic, [...(byTopic.get(topic) ?? []), Number(key.slice(cut + 1))]);
  }
  return byTopic;
}
