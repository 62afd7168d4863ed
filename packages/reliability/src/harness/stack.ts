import { ServiceProcess, tempDir, type ServiceName } from './service-process.js';

export interface Backends {
  kafkaBootstrap: string;
  elasticsearchUrl: string;
}

/**
 * Env for one service process against real backends, with isolation per test run: consumer
 * groups carry the run tag so each run consumes its own copy of the shared topics.
 */
export function serviceEnv(name: ServiceName, backends: Backends, run: string, extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  const common: Record<string, string | undefined> = {
    KAFKA_BROKERS: backends.kafkaBootstrap,
    ELASTICSEARCH_URL: backends.elasticsearchUrl,
    KAFKA_CLIENT_ID: `rel-${run}`,
    KAFKA_PARTITIONS: '3',
    LOG_LEVEL: 'info',
  };
  const perService: Record<ServiceName, Record<string, string | undefined>> = {
    ingest: {
      INGEST_SPOOL_DIR: tempDir(`spool-${run}`),
      INGEST_PUBLISH_TIMEOUT_MS: '2000',
      INGEST_SHUTDOWN_TIMEOUT_MS: '2000',
    },
    detector: {
      DETECTOR_CONSUMER_GROUP: `rel-detector-${run}`,
      DETECTOR_EVALUATION_INTERVAL_MS: '1000',
    },
    alerts: {
      ALERTS_CONSUMER_GROUP: `rel-alerts-${run}`,
      ALERTS_RETRY_INITIAL_DELAY_MS: '100',
      ALERTS_RETRY_MAX_DELAY_MS: '1000',
      ALERTS_HTTP_TIMEOUT_MS: '1000',
      ALERTS_COOLDOWN_SECONDS: '0',
    },
  };
  return { ...common, ...perService[name], ...extra };
}

export function serviceProcess(name: ServiceName, backends: Backends, run: string, extra: Record<string, string | undefined> = {}): ServiceProcess {
  return new ServiceProcess({ name, env: serviceEnv(name, backends, run, extra) });
}

/** Stops every process that is still running (SIGKILL: tests never wait on a slow shutdown). */
export async function killAll(processes: (ServiceProcess | undefined)[]): Promise<void> {
  await Promise.all(processes.map((p) => p?.kill()));
}
