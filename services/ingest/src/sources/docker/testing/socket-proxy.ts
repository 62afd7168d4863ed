import net from 'node:net';
import path from 'node:path';

/**
 * A unix-socket proxy in front of the engine's socket, for tests: `drop()` cuts every open
 * connection (what a daemon does to a slow subscriber, or a network blip) and refuses new ones
 * until `restore()`. The engine itself keeps running and keeps producing events meanwhile.
 */
export class SocketProxy {
  readonly socketPath: string;
  private readonly server: net.Server;
  private readonly open = new Set<net.Socket>();
  private refusing = false;

  constructor(private readonly target: string, dir: string) {
    this.socketPath = path.join(dir, `proxy-${process.pid}-${Date.now()}.sock`);
    this.server = net.createServer((client) => {
      if (this.refusing) {
        client.destroy();
        return;
      }
      const upstream = net.connect(this.target);
      for (const s of [client, upstream]) {
        this.open.add(s);
        s.on('close', () => this.open.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.socketPath, () => resolve());
    });
  }

  drop(): void {
    this.refusing = true;
    for (const s of this.open) s.destroy();
  }

  restore(): void {
    this.refusing = false;
  }

  close(): Promise<void> {
    this.drop();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
