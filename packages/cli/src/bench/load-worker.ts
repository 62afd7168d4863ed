// Runs the HTTP push clients on their own thread, so the load generator does not share (and slow
// down) the event loop of the ingest instance it measures, as external clients would not.
import { parentPort, workerData } from 'node:worker_threads';
import { pushAll } from './load.js';

const data = workerData as { port: number; bodies: { json: string; events: number }[]; clients: number };
pushAll(data.port, data.bodies, data.clients).then(
  (result) => parentPort!.postMessage({ ok: true, result }),
  (error: unknown) => parentPort!.postMessage({ ok: false, error: (error as Error).message }),
);
