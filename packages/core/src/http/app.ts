import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { Histogram } from 'prom-client';
import type { HealthStatus } from '../bus/interface.js';
import { BackpressureError, RollwatchError, ValidationError } from '@rollwatch/contract';
import type { AuthTokens } from './auth.js';
import { browserGuard } from './browser-guard.js';

export type ReadinessCheck = () => Promise<HealthStatus>;

export interface ServiceAppOptions {
  service: string;
  registry: Registry;
  logger: Logger;
  readiness: Record<string, ReadinessCheck>;
  /** The service's tokens: enables the Origin/Host checks of `browserGuard` (every service passes them). */
  tokens?: AuthTokens;
  /** ROLLWATCH_INSECURE: any Host is accepted even without tokens. */
  insecure?: boolean;
}

/**
 * Sent on every response. The detector serves the dashboard: it may not be framed (its override
 * button could be clickjacked), scripts and data come from its own origin only, and browsers must
 * not guess content types or leak URLs (which may name rollouts) in Referer headers.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/** An express app with /healthz, /readyz, /metrics, request metrics, security headers and JSON errors. */
export function createServiceApp(options: ServiceAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  const duration = new Histogram({
    name: 'rollwatch_http_request_duration_seconds',
    help: 'HTTP request duration by route and status.',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [options.registry],
  });
  app.use((_req, res, next) => {
    res.set(SECURITY_HEADERS);
    next();
  });
  if (options.tokens) app.use(browserGuard(options.tokens, { anyHost: options.insecure === true }));
  app.use((req, res, next) => {
    const end = duration.startTimer();
    res.on('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path ?? (res.statusCode === 404 ? 'unmatched' : req.path);
      end({ method: req.method, route: `${req.baseUrl}${route}`, status: String(res.statusCode) });
    });
    next();
  });
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', service: options.service });
  });
  app.get('/readyz', async (_req, res) => {
    const checks = await Promise.all(
      Object.entries(options.readiness).map(async ([name, check]) => {
        try {
          return [name, await check()] as const;
        } catch (error) {
          return [name, { ok: false, detail: (error as Error).message }] as const;
        }
      }),
    );
    const ready = checks.every(([, c]) => c.ok);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', service: options.service, checks: Object.fromEntries(checks) });
  });
  app.get('/metrics', async (_req, res) => {
    res.set('Content-Type', options.registry.contentType).send(await options.registry.metrics());
  });
  return app;
}

/** JSON body parser with a size limit; errors become 400/413 JSON via `errorHandler`. */
export function jsonBody(limit = '5mb') {
  return express.json({ limit, strict: false, type: ['application/json', 'application/*+json'] });
}

/** Maps errors to JSON responses: never leaks internals, never crashes the process. */
export function errorHandler(logger: Logger) {
  return (error: unknown, _req: Request, res: Response, _next: NextFunction): void => {
    const err = error as { status?: number; statusCode?: number; type?: string; message?: string; expose?: boolean };
    if (res.headersSent) return;
    if (error instanceof ValidationError) {
      res.status(400).json({ error: error.message, field: error.field });
      return;
    }
    if (error instanceof BackpressureError) {
      res.status(503).set('Retry-After', String(error.retryAfterSeconds)).json({ error: error.message });
      return;
    }
    if (err.type === 'entity.too.large') {
      res.status(413).json({ error: 'request body too large', field: 'body' });
      return;
    }
    if (err.type === 'entity.parse.failed') {
      res.status(400).json({ error: `malformed JSON: ${err.message ?? 'parse error'}`, field: 'body' });
      return;
    }
    const status = err.status ?? err.statusCode;
    if (status && status >= 400 && status < 500) {
      res.status(status).json({ error: err.expose ? err.message : 'bad request', field: 'body' });
      return;
    }
    if (error instanceof RollwatchError && error.retriable) {
      res.status(503).set('Retry-After', '5').json({ error: 'a dependency is unavailable, retry later' });
      return;
    }
    logger.error({ err: err.message }, 'unhandled error');
    res.status(500).json({ error: 'internal error' });
  };
}

/** Listens on host:port (port 0 = any free port) and resolves with the bound port. */
export async function listen(app: Express, port: number, host = '0.0.0.0'): Promise<{ server: Server; port: number }> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host);
    server.once('listening', () => resolve({ server, port: (server.address() as AddressInfo).port }));
    server.once('error', reject);
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections?.();
  });
}
