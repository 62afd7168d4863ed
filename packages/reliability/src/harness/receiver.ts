import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';

export interface ReceivedCall {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
  /** What this receiver answered (`hang` = never answered). */
  answered: number | 'hang';
}

/**
 * How the receiver behaves now. `ok` answers 200; `error` answers 500; `throttle` answers 429 with
 * Retry-After; `hang` never answers (the sender's timeout fires); `slow` answers 200 after `delayMs`.
 */
export type ReceiverMode =
  | { kind: 'ok' }
  | { kind: 'error'; status?: number }
  | { kind: 'throttle'; retryAfterSeconds: number }
  | { kind: 'hang' }
  | { kind: 'slow'; delayMs: number };

/**
 * A webhook/Slack/actuator endpoint for fault tests. It counts deliveries per idempotency key
 * (`webhook-id`, else `idempotency-key`) so "acted exactly once" is a count, and can be switched
 * between healthy, failing, throttling and hanging, or taken down entirely (`down()`) and brought
 * back on the same port (`up()`), as a real receiver outage would.
 */
export class FaultyReceiver {
  readonly calls: ReceivedCall[] = [];
  mode: ReceiverMode = { kind: 'ok' };
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private boundPort = 0;

  get port(): number {
    return this.boundPort;
  }

  get url(): string {
    return `http://127.0.0.1:${this.boundPort}`;
  }

  async up(): Promise<this> {
    if (this.server) return this;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const call: ReceivedCall = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now(), answered: 200 };
        this.calls.push(call);
        const mode = this.mode;
        switch (mode.kind) {
          case 'ok':
            res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
            return;
          case 'error':
            call.answered = mode.status ?? 500;
            res.writeHead(call.answered, { 'content-type': 'application/json' }).end('{"error":"receiver failing on purpose"}');
            return;
          case 'throttle':
            call.answered = 429;
            res.writeHead(429, { 'content-type': 'application/json', 'retry-after': String(mode.retryAfterSeconds) }).end('{"error":"slow down"}');
            return;
          case 'hang':
            call.answered = 'hang';
            return; // the socket is destroyed by down() or the client's timeout
          case 'slow':
            setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'), mode.delayMs);
            return;
          default: {
            const unreachable: never = mode;
            throw new Error(`unknown receiver mode ${JSON.stringify(unreachable)}`);
          }
        }
      });
    });
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.boundPort, '127.0.0.1', () => resolve());
    });
    this.boundPort = (server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  /** Closes the port (connection refused) and cuts open connections. */
  async down(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Delivery key of a call: the Standard Webhooks id, else Idempotency-Key, else the body. */
  static keyOf(call: ReceivedCall): string {
    const header = call.headers['webhook-id'] ?? call.headers['idempotency-key'];
    return typeof header === 'string' ? header : call.body;
  }

  /** Calls answered 2xx, per delivery key: the number of times each action really happened. */
  successesByKey(filter: (call: ReceivedCall) => boolean = () => true): Map<string, number> {
    const counts = new Map<string, number>();
    for (const call of this.calls) {
      if (!filter(call) || typeof call.answered !== 'number' || call.answered >= 300) continue;
      const key = FaultyReceiver.keyOf(call);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return counts;
  }
}
