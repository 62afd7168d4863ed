#!/usr/bin/env node
import { authTokensFrom, closeServer, createBus, guardExposure, createLogger, createRegistry, createStore, errorMessage, exitOnSignals, listen, loadConfig } from '@rollwatch/core';
import { detectorConfigSchema } from './config.js';
import { createDetector } from './detector.js';

/** Standalone detector: config from env, Kafka/Elasticsearch (or embedded), graceful shutdown. */
async function main(): Promise<void> {
  const config = loadConfig(detectorConfigSchema);
  const logger = createLogger('detector', config.LOG_LEVEL);
  const registry = createRegistry('detector');
  const bus = createBus(config, 'detector', logger);
  const store = createStore(config, logger);
  const stopInsecureWarning = guardExposure({ service: 'detector', host: config.DETECTOR_HOST, tokens: authTokensFrom(config), insecure: config.ROLLWATCH_INSECURE, logger });
  const detector = createDetector({ config, bus, store, logger, registry });
  // Listen first so /healthz answers (and /readyz says "rebuilding") while state is restored.
  const { server, port } = await listen(detector.app, config.DETECTOR_PORT, config.DETECTOR_HOST);
  logger.info({ port, bus: bus.kind, store: store.kind }, 'detector API listening');

  const shutdown = exitOnSignals({
    logger,
    timeoutMs: 20_000,
    stop: async () => {
      stopInsecureWarning();
      await detector.stop();
      await closeServer(server);
      await bus.close();
      await store.close();
    },
  });

  try {
    await detector.start();
  } catch (error) {
    logger.fatal({ err: errorMessage(error) }, 'detector failed to start');
    await shutdown('startup-failure');
  }
}

main().catch((error: unknown) => {
  console.error(`detector: ${errorMessage(error)}`);
  process.exit(1);
});
