import { startServices } from '@rollwatch/cli';

/**
 * The embedded stack (ingest, detector, alerts in one process, in-process bus and store) as its own
 * OS process for the abuse test: the test's /healthz poller must not share the event loop it
 * measures. Prints one JSON line `{"ports":{...}}` once listening; SIGTERM stops it.
 */
const stack = await startServices({ env: process.env, ports: { ingest: 0, detector: 0, alerts: 0 } });
process.stdout.write(`${JSON.stringify({ ports: stack.ports })}\n`);
process.once('SIGTERM', () => {
  void stack.stop().finally(() => process.exit(0));
});
