import type { Logger } from 'pino';
import type { CommonConfig } from './config.js';
import type { Bus } from './bus/interface.js';
import { KafkaBus } from './bus/kafka-bus.js';
import { parseTopicRetention } from './bus/topic-settings.js';
import { MemoryBus } from './bus/memory-bus.js';
import type { Store } from './store/interface.js';
import { ElasticsearchStore } from './store/elasticsearch-store.js';
import { MemoryStore } from './store/memory-store.js';
import { durationMs, parsePerFamily, type StorageSettings } from './store/storage-settings.js';

/** The Elasticsearch storage settings the common config describes. */
export function storageFromConfig(config: CommonConfig): Partial<StorageSettings> {
  return {
    lifecycle: config.ELASTICSEARCH_LIFECYCLE,
    retention: Number.isInteger(config.ROLLWATCH_RETENTION_DAYS) ? `${config.ROLLWATCH_RETENTION_DAYS}d` : `${Math.round(config.ROLLWATCH_RETENTION_DAYS * 24 * 60)}m`,
    rollover: { maxAge: config.ELASTICSEARCH_ROLLOVER_MAX_AGE, maxPrimaryShardSize: config.ELASTICSEARCH_ROLLOVER_MAX_SIZE },
    lifecyclePollMs: durationMs(config.ELASTICSEARCH_LIFECYCLE_POLL),
    shards: parsePerFamily(config.ELASTICSEARCH_SHARDS, 1),
    replicas: parsePerFamily(config.ELASTICSEARCH_REPLICAS, 1),
  };
}

/** Kafka when KAFKA_BROKERS is set, else the in-process bus (embedded mode). */
export function createBus(config: CommonConfig, clientSuffix: string, logger?: Logger): Bus {
  if (config.KAFKA_BROKERS.length === 0) return new MemoryBus();
  const sasl =
    config.KAFKA_SASL_MECHANISM && config.KAFKA_SASL_USERNAME && config.KAFKA_SASL_PASSWORD
      ? { mechanism: config.KAFKA_SASL_MECHANISM, username: config.KAFKA_SASL_USERNAME, password: config.KAFKA_SASL_PASSWORD }
      : undefined;
  return new KafkaBus({
    brokers: config.KAFKA_BROKERS,
    clientId: `${config.KAFKA_CLIENT_ID}-${clientSuffix}`,
    ssl: config.KAFKA_SSL,
    sslCaFile: config.KAFKA_SSL_CA_FILE,
    sasl,
    partitions: config.KAFKA_PARTITIONS,
    replicationFactor: config.KAFKA_REPLICATION_FACTOR,
    topicSettings: { minInsyncReplicas: config.KAFKA_MIN_INSYNC_REPLICAS, retention: parseTopicRetention(config.KAFKA_RETENTION), maxMessageBytes: config.KAFKA_MAX_MESSAGE_BYTES },
    logger,
  });
}

/** Elasticsearch when ELASTICSEARCH_URL is set, else the embedded in-memory store. */
export function createStore(config: CommonConfig, logger?: Logger): Store {
  if (!config.ELASTICSEARCH_URL) return new MemoryStore();
  return new ElasticsearchStore({
    url: config.ELASTICSEARCH_URL,
    username: config.ELASTICSEARCH_USERNAME,
    password: config.ELASTICSEARCH_PASSWORD,
    apiKey: config.ELASTICSEARCH_API_KEY,
    caFile: config.ELASTICSEARCH_CA_FILE,
    storage: storageFromConfig(config),
    logger,
  });
}
