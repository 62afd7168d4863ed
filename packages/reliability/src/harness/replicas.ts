import { Kafka, logLevel } from 'kafkajs';
import { KafkaBus } from '@rollwatch/core';
import { ensureElasticsearch, ensureKafka, freePort, type ElasticsearchServer, type KafkaServer } from '@rollwatch/testkit';
import { ServiceProcess } from './service-process.js';
import { killAll, serviceEnv } from './stack.js';

/**
 * Real Kafka and Elasticsearch for detector replicas sharing a consumer group (the read-anywhere and
 * scale-out tests). Both are private ones. The broker: the topics must have `partitions` partitions,
 * and a shared broker's topics may already exist with fewer. Elasticsearch: a new consumer group
 * without checkpoints rebuilds its partitions from the stored events, and a shared cluster holds
 * every earlier test's events (with their partition numbers): in CI the replicas restored and then
 * judged and published hundreds of foreign rollouts, so their lists kept moving for over a minute.
 */
export class ReplicaCluster {
  readonly kafka: KafkaServer;
  readonly es: ElasticsearchServer;
  /** Publishes the test's events (and creates the topics with `partitions` partitions). */
  readonly bus: KafkaBus;
  readonly admin: ReturnType<Kafka['admin']>;
  private readonly processes: ServiceProcess[] = [];

  private constructor(kafka: KafkaServer, es: ElasticsearchServer, bus: KafkaBus, admin: ReturnType<Kafka['admin']>, readonly partitions: number, readonly run: string) {
    this.kafka = kafka;
    this.es = es;
    this.bus = bus;
    this.admin = admin;
  }

  static async start(options: { partitions: number; run: string; clientPrefix: string }): Promise<ReplicaCluster> {
    const [kafka, es] = await Promise.all([ensureKafka({ fresh: true }), ensureElasticsearch({ fresh: true })]);
    const bus = new KafkaBus({ brokers: kafka.brokers, clientId: `${options.clientPrefix}-${options.run}`, partitions: options.partitions });
    await bus.ensureTopics();
    const admin = new Kafka({ clientId: `${options.clientPrefix}-admin-${options.run}`, brokers: kafka.brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    return new ReplicaCluster(kafka, es, bus, admin, options.partitions, options.run);
  }

  /**
   * A detector process (not started) in `group` on these backends. With `advertise`, it listens on a
   * free port it publishes to the group as DETECTOR_ADVERTISED_URL (so the others forward to it).
   */
  async detector(group: string, env: Record<string, string | undefined> = {}, options: { advertise?: boolean } = {}): Promise<ServiceProcess> {
    const port = options.advertise ? await freePort() : undefined;
    const processEnv = serviceEnv('detector', { kafkaBootstrap: this.kafka.bootstrap, elasticsearchUrl: this.es.url }, this.run, {
      KAFKA_PARTITIONS: String(this.partitions),
      DETECTOR_CONSUMER_GROUP: group,
      ...(port !== undefined ? { DETECTOR_ADVERTISED_URL: `http://127.0.0.1:${port}` } : {}),
      ...env,
    });
    const p = new ServiceProcess({ name: 'detector', env: processEnv, ...(port !== undefined ? { port } : {}) });
    this.processes.push(p);
    return p;
  }

  /** The group has settled with exactly `members` members. */
  async groupStable(group: string, members: number): Promise<boolean> {
    const { groups } = await this.admin.describeGroups([group]);
    return groups[0]?.state === 'Stable' && groups[0].members.length === members;
  }

  /** Everything on `topic` is committed by the group. */
  async caughtUp(group: string, topic: string): Promise<boolean> {
    const ends = await this.admin.fetchTopicOffsets(topic);
    const [committed] = await this.admin.fetchOffsets({ groupId: group, topics: [topic] });
    const byPartition = new Map(committed!.partitions.map((p) => [p.partition, Number(p.offset)]));
    return ends.every((e) => Number(e.high) === 0 || byPartition.get(e.partition) === Number(e.high));
  }

  /** SIGKILLs every detector still running, then closes the clients and the backends. */
  async stop(): Promise<void> {
    await killAll(this.processes);
    await this.admin.disconnect();
    await this.bus.close();
    await this.kafka.stop();
    await this.es.stop();
  }
}
