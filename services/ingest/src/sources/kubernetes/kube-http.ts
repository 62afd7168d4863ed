import http from 'node:http';
import https from 'node:https';
import { createInterface } from 'node:readline';
import type { KubeConfig } from '@kubernetes/client-node';
import { RollwatchError, parseRetryAfter } from '@rollwatch/core';
import type { KubeList, Status, WatchEvent } from './types.js';

/** An apiserver answer other than 2xx, or a watch `ERROR` event; `statusCode` is the HTTP/Status code. */
export class KubeApiError extends RollwatchError {
  readonly statusCode: number | undefined;
  readonly retryAfterMs: number | undefined;
  constructor(message: string, opts: { statusCode?: number; retryAfterMs?: number; cause?: unknown } = {}) {
    // 4xx other than 408/429 will not heal by retrying the same request (the reflector still keeps
    // trying forbidden resources, slowly, because RBAC can be fixed without restarting us).
    const code = opts.statusCode;
    const retriable = code === undefined || code >= 500 || code === 408 || code === 429 || code === 410;
    super(message, { retriable, code: code === 410 ? 'GONE' : 'KUBE_API', cause: opts.cause });
    this.statusCode = code;
    this.retryAfterMs = opts.retryAfterMs;
  }
}

export function isGone(error: unknown): boolean {
  return error instanceof KubeApiError && error.statusCode === 410;
}

export type Query = Record<string, string | number | boolean | undefined>;

/** The two apiserver calls a reflector needs. An interface so tests of the loop can swap the wire. */
export interface KubeTransport {
  /** One page of a list. */
  list<T>(path: string, query: Query, signal?: AbortSignal): Promise<KubeList<T>>;
  /**
   * Streams a watch; resolves when the server ends the stream cleanly and rejects on HTTP errors,
   * socket errors and idle timeouts. `onEvent` is awaited, so a slow consumer slows the stream.
   */
  watch<T>(path: string, query: Query, onEvent: (event: WatchEvent<T>) => Promise<void>, signal?: AbortSignal): Promise<void>;
}

/** A watch with no bytes for this much longer than its server-side timeout is presumed half-open. */
const IDLE_GRACE_MS = 30_000;

export interface KubeHttpOptions {
  /** Socket idle timeout of list requests. */
  requestTimeoutMs?: number;
}

/** Raw JSON over node's http(s), with the auth/TLS that `KubeConfig` computes (token, client cert, exec plugins). */
export class KubeHttpTransport implements KubeTransport {
  constructor(
    private readonly kubeConfig: KubeConfig,
    private readonly options: KubeHttpOptions = {},
  ) {}

  private async open(path: string, query: Query, idleTimeoutMs: number, signal?: AbortSignal): Promise<{ res: http.IncomingMessage; req: http.ClientRequest }> {
    const cluster = this.kubeConfig.getCurrentCluster();
    if (!cluster) throw new RollwatchError('kubeconfig has no current cluster', { retriable: false, code: 'KUBECONFIG' });
    const url = new URL(cluster.server.replace(/\/+$/, '') + path);
    for (const [key, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(key, String(value));
    const opts: https.RequestOptions = { method: 'GET', headers: { Accept: 'application/json' } };
    await this.kubeConfig.applyToHTTPSOptions(opts);
    const client = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = client.request(url, { ...opts, signal }, (res) => resolve({ res, req }));
      req.setTimeout(idleTimeoutMs, () => req.destroy(new KubeApiError(`no data from ${url.pathname} for ${idleTimeoutMs} ms`)));
      req.on('error', (error) => reject(error instanceof KubeApiError ? error : new KubeApiError(`${url.pathname}: ${error.message}`, { cause: error })));
      req.end();
    });
  }

  private async failure(res: http.IncomingMessage, path: string): Promise<KubeApiError> {
    let body = '';
    try {
      for await (const chunk of res) body += String(chunk);
    } catch {
      // the status line is enough
    }
    let status: Partial<Status> = {};
    try {
      status = JSON.parse(body) as Status;
    } catch {
      // not a Status object (a proxy in between)
    }
    const code = res.statusCode ?? 0;
    const header = res.headers['retry-after'];
    return new KubeApiError(`${path}: HTTP ${code}${status.reason ? ` ${status.reason}` : ''}${status.message ? `: ${status.message}` : ''}`, {
      statusCode: code,
      retryAfterMs: parseRetryAfter(Array.isArray(header) ? header[0] : header),
    });
  }

  async list<T>(path: string, query: Query, signal?: AbortSignal): Promise<KubeList<T>> {
    const { res } = await this.open(path, query, this.options.requestTimeoutMs ?? 60_000, signal);
    if (res.statusCode !== 200) throw await this.failure(res, path);
    let body = '';
    res.setEncoding('utf8');
    try {
      for await (const chunk of res) body += chunk as string;
    } catch (error) {
      throw new KubeApiError(`${path}: ${(error as Error).message}`, { cause: error });
    }
    const parsed = JSON.parse(body) as KubeList<T>;
    if (!Array.isArray(parsed.items)) throw new KubeApiError(`${path}: list response has no items`, { statusCode: 500 });
    return parsed;
  }

  async watch<T>(path: string, query: Query, onEvent: (event: WatchEvent<T>) => Promise<void>, signal?: AbortSignal): Promise<void> {
    const serverTimeoutS = Number(query.timeoutSeconds ?? 0);
    const idle = serverTimeoutS > 0 ? serverTimeoutS * 1000 + IDLE_GRACE_MS : 10 * 60_000;
    const { res, req } = await this.open(path, { ...query, watch: 'true' }, idle, signal);
    if (res.statusCode !== 200) throw await this.failure(res, path);
    res.setEncoding('utf8');
    // A clean end of the body is a server-side timeout; an `aborted`/`error` is a dropped stream.
    let dropped: Error | undefined;
    res.on('aborted', () => (dropped ??= new KubeApiError(`${path}: watch stream aborted`)));
    res.on('error', (error) => (dropped ??= error));
    req.on('error', (error) => (dropped ??= error));
    const lines = createInterface({ input: res, crlfDelay: Infinity });
    let handlerError: unknown;
    try {
      for await (const line of lines) {
        if (!line.trim()) continue;
        let event: WatchEvent<T>;
        try {
          event = JSON.parse(line) as WatchEvent<T>;
        } catch {
          // a torn last line when the connection dies mid-write; the resumed watch re-sends it
          dropped ??= new KubeApiError(`${path}: unparseable watch line`);
          break;
        }
        try {
          await onEvent(event);
        } catch (error) {
          handlerError = error;
          break;
        }
      }
    } catch (error) {
      // readline rethrows the socket's error ("aborted", ECONNRESET): a dropped stream, retriable.
      dropped ??= error as Error;
    } finally {
      lines.close();
      if (!res.complete) res.destroy();
    }
    if (handlerError !== undefined) throw handlerError;
    if (signal?.aborted) return;
    if (dropped) throw dropped instanceof KubeApiError ? dropped : new KubeApiError(`${path}: ${dropped.message}`, { cause: dropped });
    if (!res.complete) throw new KubeApiError(`${path}: watch stream ended early`);
  }
}
