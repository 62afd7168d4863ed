import { createBus, createLogger, createRegistry, createStore, errorMessage, exitOnSignals, loadConfig } from '@rollwatch/core';
import { alertsConfigSchema } from './config.js';
import { createAlerts } from './service.js';

/** `node dist/main.js`: config from env, Kafka/Elasticsearch when configured, graceful shutdown. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(alertsConfigSchema);
  } catch (error) {
    console.error(errorMessage(error));
    process.exit(2);
  }
  const logger = createLogger('alerts', config.LOG_LEVEL);
  const registry = createRegistry('alerts');
  const bus = createBus(config, 'alerts', logger);
  const store = createStore(config, logger);
  let service;
  try {
    service = createAlerts({ config, bus, store, logger, registry });
  } catch (error) {
    logger.fatal({ err: errorMessage(error) }, 'invalid configuration');
    process.exit(2);
  }
  // Whatever is in flight keeps its intent record; the redelivered verdict finishes it.
  const alerts = service;
  exitOnSignals({
    logger,
    timeoutMs: 15_000,
    stop: async () => {
      await alerts.stop();
      await bus.close();
      await store.close();
    },
  });
  await service.start();
}

main().catch((error: unknown) => {
  console.error(`alerts failed to start: ${errorMessage(error)}`);
  process.exit(1);
});
