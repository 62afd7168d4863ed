// A local rollback-webhook receiver (127.0.0.1, port 0): records when each rollout's first action
// arrived, so the latency run can wait on it.
import http from 'node:http';

export interface ReceivedAction {
  rollout: string;
  action: string;
  atMs: number;
}

export interface WebhookReceiver {
  url: string;
  /** Resolves with the first action for `rollout` (or null after `timeoutMs`). */
  waitFor(rollout: string, timeoutMs: number): Promise<ReceivedAction | null>;
  received(): number;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const first = new Map<string, ReceivedAction>();
  const waiters = new Map<string, (a: ReceivedAction) => void>();
  let count = 0;
  const server = http.createServer((req, res) => {
    const atMs = Date.now();
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => parts.push(d));
    req.on('end', () => {
      count++;
      try {
        const body = JSON.parse(Buffer.concat(parts).toString('utf8')) as { rollout?: unknown; action?: unknown };
        if (typeof body.rollout === 'string' && !first.has(body.rollout)) {
          const a = { rollout: body.rollout, action: String(body.action), atMs };
          first.set(body.rollout, a);
          waiters.get(body.rollout)?.(a);
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      } catch {
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"malformed JSON","field":"body"}');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/rollback`,
    received: () => count,
    waitFor(rollout, timeoutMs) {
      const seen = first.get(rollout);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          waiters.delete(rollout);
          resolve(null);
        }, timeoutMs);
        waiters.set(rollout, (a) => {
          clearTimeout(timer);
          waiters.delete(rollout);
          resolve(a);
        });
      });
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
