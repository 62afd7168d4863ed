import { request } from 'node:http';

export interface RawAnswer {
  status: number;
  text: string;
  json: unknown;
  contentType: string;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * One HTTP request over a fresh connection (no keep-alive pool: a server that answered 413 before
 * reading a huge body may reset the socket, which must not leak into the next request) and with
 * the path sent byte-for-byte (fetch would normalise `%2e%2e` and `..` away).
 */
export function rawRequest(baseUrl: string, method: string, pathAndQuery: string, init: { body?: string | Buffer; headers?: Record<string, string>; timeoutMs?: number } = {}): Promise<RawAnswer> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, method, path: pathAndQuery, agent: false, headers: { ...init.headers, ...(init.body !== undefined ? { 'content-length': String(Buffer.byteLength(init.body)) } : {}) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, text, json, contentType: String(res.headers['content-type'] ?? ''), headers: res.headers });
        });
        res.on('error', reject);
      },
    );
    req.setTimeout(init.timeoutMs ?? 60_000, () => req.destroy(new Error(`${method} ${pathAndQuery}: timed out`)));
    // The server may answer (413) and close before the whole body is written: keep the answer.
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE' || error.code === 'ECONNRESET') return setTimeout(() => reject(error), 2000).unref();
      reject(error);
    });
    if (init.body !== undefined) req.end(init.body);
    else req.end();
  });
}
