import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

/** What the receiver answers next: a status (with headers/body), or `hang` (never answers: a timeout). */
export type Reply = { status: number; headers?: Record<string, string>; body?: string } | 'hang';

/**
 * A local HTTP receiver for tests: records every request and answers from a script (then from the
 * default). Stands in for Slack, webhook receivers, the Kubernetes API server or the Docker Engine.
 */
export class TestReceiver {
  readonly requests: ReceivedRequest[] = [];
  private readonly script: Reply[] = [];
  private server: Server | undefined;
  private readonly hanging = new Set<() => void>();
  handler: ((req: ReceivedRequest) => Reply | undefined) | undefined;
  defaultReply: Reply = { status: 200, body: 'ok' };
  url = '';

  /** Queue replies for the next requests (in order). */
  reply(...replies: Reply[]): this {
    this.script.push(...replies);
    return this;
  }

  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const received: ReceivedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
        this.requests.push(received);
        const reply = this.handler?.(received) ?? this.script.shift() ?? this.defaultReply;
        if (reply === 'hang') {
          const release = (): void => void res.destroy();
          this.hanging.add(release);
          res.on('close', () => this.hanging.delete(release));
          return;
        }
        res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
        res.end(reply.body ?? '{}');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  get port(): number {
    return Number(new URL(this.url).port);
  }

  async stop(): Promise<void> {
    for (const release of this.hanging) release();
    if (!this.server) return;
    const server = this.server;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
}

/** Polls until `fn` returns a truthy value or the timeout passes (then throws with `what`). */
export async function eventually<T>(what: string, fn: () => T | Promise<T>, timeoutMs = 10_000, intervalMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
