import type { Server } from 'node:http';
import { authTokensFrom, closeServer, createLogger, guardExposure, createRegistry, listen, loadConfig, MemoryBus, MemoryStore, createBus, createStore, type Bus, type Logger, type Store } from '@rollwatch/core';
import { createIngest, ingestConfigSchema } from '@rollwatch/ingest';
import { createDetector, detectorConfigSchema } from '@rollwatch/detector';
import { createAlerts, alertsConfigSchema } from '@rollwatch/alerts';

import { ALL_SERVICES, type ServiceName } from './services.js';

export { ALL_SERVICES, type ServiceName };

export interface RunningStack {
  ports: Record<ServiceName, number | undefined>;
  bus: Bus;
  store: Store;
  stop(): Promise<void>;
}

/** The variable that sets each service's port (named in the error when a port is taken). */
export const PORT_VARIABLES: Record<ServiceName, string> = { ingest: 'INGEST_PORT', detector: 'DETECTOR_PORT', alerts: 'ALERTS_PORT' };

/** A service's port is taken: the message names the port and the variable that changes it. */
export class PortInUseError extends Error {
  constructor(
    readonly service: ServiceName,
    readonly port: number,
    host: string,
  ) {
    super(`port ${port} (${service}) is already in use on ${host}; stop what uses it or set ${PORT_VARIABLES[service]} to another port (0 = any free port)`);
    this.name = 'PortInUseError';
  }
}

function portError(error: unknown, service: ServiceName, port: number, host: string): unknown {
  return (error as NodeJS.ErrnoException)?.code === 'EADDRINUSE' ? new PortInUseError(service, port, host) : error;
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
  // Each service logs as itself: a child of the 'rollwatch' logger would carry `service` twice (pino
  // writes the binding beside the base field), and log pipelines keep either one.
  const serviceLogger = (service: string) => (options.logger ? options.logger.child({ component: service }) : createLogger(service, env.LOG_LEVEL ?? 'info'));
  const ingestConfig = loadConfig(ingestConfigSchema, { env, overrides: { INGEST_PORT: options.ports?.ingest } });
  const detectorConfig = loadConfig(detectorConfigSchema, { env, overrides: { DETECTOR_PORT: options.ports?.detector } });
  const alertsConfig = loadConfig(alertsConfigSchema, { env, overrides: { ALERTS_PORT: options.ports?.alerts } });
  // The alerts service checks its own listener in start(); detector and ingest listen here.
  const stopInsecureWarning = guardExposure({ service: 'rollwatch', host, tokens: authTokensFrom(ingestConfig), insecure: ingestConfig.ROLLWATCH_INSECURE, logger });
  const bus = ingestConfig.KAFKA_BROKERS.length ? createBus(ingestConfig, 'embedded', logger) : new MemoryBus();
  const store = ingestConfig.ELASTICSEARCH_URL ? createStore(ingestConfig, logger) : new MemoryStore();
  await store.ensureIndices();

  const started: { name: ServiceName; stop: () => Promise<void>; server?: Server }[] = [];
  const ports: Record<ServiceName, number | undefined> = { ingest: undefined, detector: undefined, alerts: undefined };
  try {
    // Consumers first, so nothing published by ingest waits for a subscriber.
    if (services.includes('detector')) {
      const detector = createDetector({ config: detectorConfig, bus, store, logger: serviceLogger('detector'), registry: createRegistry('detector') });
      await detector.start();
      const entry: (typeof started)[number] = { name: 'detector', stop: () => detector.stop() };
      started.push(entry);
      const { server, port } = await listen(detector.app, detectorConfig.DETECTOR_PORT, host).catch((error: unknown) => {
        throw portError(error, 'detector', detectorConfig.DETECTOR_PORT, host);
      });
      entry.server = server;
      ports.detector = port;
    }
    if (services.includes('alerts')) {
      // The alerts service binds its own listener (ALERTS_HOST/ALERTS_PORT) in start().
      const alerts = createAlerts({ config: { ...alertsConfig, ALERTS_HOST: host }, bus, store, logger: serviceLogger('alerts'), registry: createRegistry('alerts') });
      const { port } = await alerts.start().catch(async (error: unknown) => {
        await alerts.stop().catch(() => undefined);
        throw portError(error, 'alerts', alertsConfig.ALERTS_PORT, host);
      });
      started.push({ name: 'alerts', stop: () => alerts.stop() });
      ports.alerts = port;
    }
    if (services.includes('ingest')) {
      const ingest = createIngest({ config: ingestConfig, bus, logger: serviceLogger('ingest'), registry: createRegistry('ingest') });
      await ingest.start();
      const entry: (typeof started)[number] = { name: 'ingest', stop: () => ingest.stop() };
      started.push(entry);
      const { server, port } = await listen(ingest.app, ingestConfig.INGEST_PORT, host).catch((error: unknown) => {
        throw portError(error, 'ingest', ingestConfig.INGEST_PORT, host);
      });
      entry.server = server;
      ports.ingest = port;
    }
  } catch (error) {
    // Undo everything, the shared backends included: a failed start must leave nothing running
    // (no timers or consumers keeping the process alive with nothing listening).
    stopInsecureWarning();
    for (const s of started.reverse()) await (s.server ? closeServer(s.server) : Promise.resolve()).then(s.stop).catch(() => undefined);
    await bus.close().catch(() => undefined);
    await store.close().catch(() => undefined);
    throw error;
  }
  return {
    ports,
    bus,
    store,
    stop: async () => {
      stopInsecureWarning();
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
