import type { Server } from 'node:http';
import { closeServer, createLogger, createRegistry, listen, loadConfig, MemoryBus, MemoryStore, createBus, createStore, type Bus, type Logger, type Store } from '@rollwatch/core';
import { createIngest, ingestConfigSchema } from '@rollwatch/ingest';
import { createDetector, detectorConfigSchema } from '@rollwatch/detector';
import { createAlerts, alertsConfigSchema } from '@rollwatch/alerts';

export type ServiceName = 'ingest' | 'detector' | 'alerts';
export const ALL_SERVICES: ServiceName[] = ['ingest', 'detector', 'alerts'];

export interface RunningStack {
  ports: Record<ServiceName, number | undefined>;
  bus: Bus;
  store: Store;
  stop(): Promise<void>;
}

export interface StartOptions {
  services?: ServiceName[];
  env?: NodeJS.ProcessEnv;
  /** Port overrides (0 = any free port), e.g. for tests and the demo. */
  ports?: Partial<Record<ServiceName, number>>;
  host?: string;
  logger?: Logger;
}

/**
 * Runs the services in one process. With no KAFKA_BROKERS / ELASTICSEARCH_URL they share one
 * in-process bus and one embedded store (embedded mode); with them set, the real backends. The
 * services are the same code as in production: only the Bus and Store behind them differ.
 */
export async function startServices(options: StartOptions = {}): Promise<RunningStack> {
  const env = options.env ?? process.env;
  const services = options.services ?? ALL_SERVICES;
  const host = options.host ?? env.ROLLWATCH_HOST ?? '127.0.0.1';
  const logger = options.logger ?? createLogger('rollwatch', env.LOG_LEVEL ?? 'info');
  const ingestConfig = loadConfig(ingestConfigSchema, { env, overrides: { INGEST_PORT: options.ports?.ingest } });
  const detectorConfig = loadConfig(detectorConfigSchema, { env, overrides: { DETECTOR_PORT: options.ports?.detector } });
  const alertsConfig = loadConfig(alertsConfigSchema, { env, overrides: { ALERTS_PORT: options.ports?.alerts } });
  const bus = ingestConfig.KAFKA_BROKERS.length ? createBus(ingestConfig, 'embedded', logger) : new MemoryBus();
  const store = ingestConfig.ELASTICSEARCH_URL ? createStore(ingestConfig) : new MemoryStore();
  await store.ensureIndices();

  const started: { name: ServiceName; stop: () => Promise<void>; server?: Server }[] = [];
  const ports: Record<ServiceName, number | undefined> = { ingest: undefined, detector: undefined, alerts: undefined };
  try {
    // Consumers first, so nothing published by ingest waits for a subscriber.
    if (services.includes('detector')) {
      const detector = createDetector({ config: detectorConfig, bus, store, logger: logger.child({ service: 'detector' }), registry: createRegistry('detector') });
      await detector.start();
      const { server, port } = await listen(detector.app, detectorConfig.DETECTOR_PORT, host);
      started.push({ name: 'detector', stop: () => detector.stop(), server });
      ports.detector = port;
    }
    if (services.includes('alerts')) {
      // The alerts service binds its own listener (ALERTS_HOST/ALERTS_PORT) in start().
      const alerts = createAlerts({ config: { ...alertsConfig, ALERTS_HOST: host }, bus, store, logger: logger.child({ service: 'alerts' }), registry: createRegistry('alerts') });
      const { port } = await alerts.start();
      started.push({ name: 'alerts', stop: () => alerts.stop() });
      ports.alerts = port;
    }
    if (services.includes('ingest')) {
      const ingest = createIngest({ config: ingestConfig, bus, logger: logger.child({ service: 'ingest' }), registry: createRegistry('ingest') });
      await ingest.start();
      const { server, port } = await listen(ingest.app, ingestConfig.INGEST_PORT, host);
      started.push({ name: 'ingest', stop: () => ingest.stop(), server });
      ports.ingest = port;
    }
  } catch (error) {
    for (const s of started.reverse()) await (s.server ? closeServer(s.server) : Promise.resolve()).then(s.stop).catch(() => undefined);
    throw error;
  }
  return {
    ports,
    bus,
    store,
    stop: async () => {
      // Producers first, then consumers, then the shared backends.
      for (const s of [...started].reverse()) {
        if (s.server) await closeServer(s.server);
        await s.stop().catch((error: unknown) => logger.warn({ err: (error as Error).message, service: s.name }, 'stop failed'));
      }
      await bus.close();
      await store.close();
    },
  };
}
