import type { Server } from 'node:http';
import { authTokensFrom, createBus, guardExposure, createLogger, createRegistry, errorMessage, exitOnSignals, listen, loadConfig } from '@rollwatch/core';
import { ingestConfigSchema } from './config.js';
import { createIngest } from './ingest.js';

/** Standalone ingest: config from env, Kafka (or the in-process bus), sources, HTTP, clean SIGTERM. */
async function main(): Promise<void> {
  const config = loadConfig(ingestConfigSchema);
  const logger = createLogger('ingest', config.LOG_LEVEL);
  const registry = createRegistry('ingest');
  const stopInsecureWarning = guardExposure({ service: 'ingest', host: config.INGEST_HOST, tokens: authTokensFrom(config), insecure: config.ROLLWATCH_INSECURE, logger });
  const bus = createBus(config, 'ingest', logger);
  if (bus.kind === 'memory') logger.warn('KAFKA_BROKERS is unset: events go to an in-process bus nobody else reads (embedded mode is `rollwatch start`)');
  const ingest = createIngest({ config, bus, logger, registry });
  await ingest.start();
  const { server, port } = await listen(ingest.app, config.INGEST_PORT, config.INGEST_HOST);
  logger.info({ port, host: config.INGEST_HOST }, 'ingest listening');

  exitOnSignals({
    logger,
    // A drain that hangs must still end the process (spooled events are replayed on the next start).
    timeoutMs: config.INGEST_SHUTDOWN_TIMEOUT_MS + 10_000,
    stop: async () => {
      stopInsecureWarning();
      await closeGracefully(server, Math.min(5000, config.INGEST_SHUTDOWN_TIMEOUT_MS));
      await ingest.stop();
      await bus.close();
    },
  });
}

/** Stops accepting, lets in-flight requests finish (their events become durable), then cuts the rest. */
function closeGracefully(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
    server.closeIdleConnections();
  });
}

main().catch((error: unknown) => {
  // Config errors name the variable; print them plainly, not as a stack.
  console.error(`ingest: ${errorMessage(error)}`);
  process.exit(1);
});
