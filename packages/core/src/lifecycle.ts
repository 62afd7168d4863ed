import type { Logger } from 'pino';
import { errorMessage } from '@rollwatch/contract';

export interface ShutdownOptions {
  logger: Logger;
  /** After this long the process exits 1 even if stopping hangs (a second signal must still end it). */
  timeoutMs: number;
  /** Stops the service in order (listeners, consumers, backends); a throw exits 1. */
  stop: () => Promise<void>;
  exit?: (code: number) => void;
}

/**
 * The standalone services' shutdown: on SIGTERM/SIGINT, stop once, in order, within a deadline,
 * then exit 0 (1 on failure or timeout). Returns the same function for start-up failures.
 */
export function exitOnSignals(options: ShutdownOptions): (reason: string) => Promise<void> {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let stopping = false;
  const shutdown = async (reason: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    options.logger.info({ reason }, 'shutting down');
    const force = setTimeout(() => {
      options.logger.error({ timeoutMs: options.timeoutMs }, 'shutdown timed out; exiting');
      exit(1);
    }, options.timeoutMs);
    force.unref();
    try {
      await options.stop();
      clearTimeout(force);
      exit(0);
    } catch (error) {
      clearTimeout(force);
      options.logger.error({ err: errorMessage(error) }, 'shutdown failed');
      exit(1);
    }
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  return shutdown;
}
