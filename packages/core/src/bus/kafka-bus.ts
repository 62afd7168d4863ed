import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, CompressionTypes, logLevel, type Consumer, type KafkaConfig, type Producer, type SASLOptions } from 'kafkajs';
import type { Logger } from 'pino';
import { UnavailableError } from '../errors.js';
import { ensureTopicSettings, topicSpecs, type TopicSettingsOptions } from './topic-settings.js';
import type { Bus, BusMessage, ConsumedMessage, HealthStatus, SubscribeOptions, Subscription } from './interface.js';

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
    const consumer = this.kafka.consumer({ groupId: options.groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 100 });
    this.consumers.add(consumer);
    let running = true;
    await consumer.connect();
    await consumer.subscribe({ topics: options.topics, fromBeginning: options.fromBeginning ?? false });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale, commitOffsetsIfNecessary }) => {
        if (batch.messages.length === 0) return;
        const messages: ConsumedMessage[] = batch.messages.map((m) => ({
          topic: batch.topic,
          partition: batch.partition,
          offset: m.offset,
          key: m.key?.toString() ?? '',
          value: m.value?.toString() ?? '',
          headers: Object.fromEntries(Object.entries(m.headers ?? {}).map(([k, v]) => [k, v?.toString() ?? ''])),
        }));
        // Work must be durable before the commit; on failure retry the same batch, never skip it.
        for (let attempt = 1; ; attempt++) {
          if (!running || !isRunning() || isStale()) return;
          try {
            await options.handler(messages);
            break;
          } catch (error) {
            this.options.logger?.warn({ err: (error as Error).message, topic: batch.topic, partition: batch.partition, attempt }, 'handler failed; retrying batch');
            await sleep(Math.min(10_000, 100 * 2 ** Math.min(attempt, 7)));
            await heartbeat().catch(() => undefined);
          }
        }
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
      },
    };
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
