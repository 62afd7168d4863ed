import express, { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import { requireAuth, type AuthTokens } from '@rollwatch/core';
import type { EventError, IntakeItem, Pipeline } from '../pipeline.js';
import { alertmanagerToEvents, type ConversionResult } from '../receivers/alertmanager.js';
import { kubernetesEventExporterToEvents } from '../receivers/kubernetes-event-exporter.js';
import type { SourceStatus } from '../sources/interface.js';
import { MAX_LISTED_ERRORS, parseEventsBody, type BodyFormat } from './body.js';
import { requireReceiverAuth } from './receiver-auth.js';
import { LimitExceededError } from '../limits/abuse-caps.js';

export interface IngestRoutesOptions {
  pipeline: Pipeline;
  tokens: AuthTokens;
  /** Bytes. */
  bodyLimit: number;
  /** Requests per client per window on push endpoints; 0 disables. */
  rateLimit: number;
  rateWindowMs: number;
  hmacSecret?: string | undefined;
  /** INGEST_RECEIVER_TOKEN: a bearer token that may only post to the receivers. */
  receiverToken?: string | undefined;
  sources: () => SourceStatus[];
}

/** 400 body: every problem (capped) with index/line/field, and the first field at the top level. */
export function invalidBody(errors: EventError[], message: string, errorCount = errors.length): Record<string, unknown> {
  return {
    error: message,
    field: errors[0]?.field ?? 'body',
    errors: errors.slice(0, MAX_LISTED_ERRORS).map((e) => (e.index < 0 ? { field: e.field, message: e.message } : e)),
    errorCount,
  };
}

function channelFor(format: BodyFormat): string {
  return format.startsWith('cloudevents') ? 'cloudevents' : 'http';
}

function rawBody(req: Request): Buffer {
  return Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
}

/** What the push endpoints and receivers accept (415 for anything else, or no Content-Type). */
export const ACCEPTED_CONTENT_TYPES: ReadonlySet<string> = new Set([
  'application/json',
  'application/x-ndjson',
  'application/ndjson',
  'application/jsonl',
  'application/x-jsonlines',
  'application/json-lines',
  'application/cloudevents+json',
  'application/cloudevents-batch+json',
]);

function clientOf(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}

/** A cap exceeded: 429 naming the setting, with Retry-After. Anything else goes to the error handler. */
function limitResponse(error: unknown, res: Response): boolean {
  if (!(error instanceof LimitExceededError)) return false;
  res.status(429).set('Retry-After', String(error.retryAfterSeconds)).json({ error: error.message, field: error.limit, limit: error.limit });
  return true;
}

/** POST /api/v1/events, the receivers and GET /api/v1/sources. */
export function ingestRoutes(options: IngestRoutesOptions): Router {
  const router = Router();
  const { pipeline } = options;
  // Raw bytes for every push endpoint: NDJSON is not JSON, and HMACs are over the exact bytes.
  // body-parser inflates gzip/deflate bodies and answers 413 above the limit (via errorHandler).
  const raw = express.raw({ type: () => true, limit: options.bodyLimit });
  // JSON, NDJSON and CloudEvents only: text/plain, forms and untyped bodies are what a web page can
  // send cross-site without a CORS preflight, so they are refused before anything is read.
  const jsonTypes = (req: Request, res: Response, next: NextFunction): void => {
    const type = (req.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (ACCEPTED_CONTENT_TYPES.has(type)) return next();
    res.status(415).json({ error: `Content-Type must be one of ${[...ACCEPTED_CONTENT_TYPES].join(', ')} (got ${type ? `"${type.slice(0, 100)}"` : 'none'})`, field: 'content-type' });
  };
  const limiter: RequestHandler =
    options.rateLimit > 0
      ? rateLimit({
          windowMs: options.rateWindowMs,
          limit: options.rateLimit,
          standardHeaders: 'draft-8',
          legacyHeaders: false,
          handler: (req, res, _next, limitOptions) => {
            const resetTime = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
            const seconds = resetTime ? Math.max(1, Math.ceil((resetTime.getTime() - Date.now()) / 1000)) : Math.ceil(limitOptions.windowMs / 1000);
            res.status(429).set('Retry-After', String(seconds)).json({ error: `rate limit exceeded: ${limitOptions.limit} requests per ${limitOptions.windowMs} ms per client`, field: 'client' });
          },
        })
      : (_req, _res, next) => next();
  const write = requireAuth(options.tokens, 'push');
  const receiverAuth = requireReceiverAuth({ writeToken: options.tokens.write, pushToken: options.tokens.push, receiverToken: options.receiverToken, hmacSecret: options.hmacSecret });

  router.post('/api/v1/events', limiter, write, jsonTypes, raw, async (req: Request, res: Response) => {
    try {
      await pushEvents(req, res);
    } catch (error) {
      if (!limitResponse(error, res)) throw error;
    }
  });
  async function pushEvents(req: Request, res: Response): Promise<void> {
    const parsed = parseEventsBody(rawBody(req), req.get('content-type'), req.headers);
    if (!parsed.ok) {
      res.status(400).json(invalidBody(parsed.errors, `${parsed.message}; nothing was accepted`));
      return;
    }
    const result = await pipeline.ingest(parsed.items, { channel: channelFor(parsed.format), invalid: 'reject', rejectUnmapped: true, client: clientOf(req) });
    if (!result.ok) {
      res.status(400).json(invalidBody(result.errors, `${result.invalidEvents} of ${parsed.items.length} event(s) are invalid; nothing was accepted`, result.errorCount));
      return;
    }
    res.status(202).json({ accepted: result.accepted });
  }

  const receiver = (channel: string, convert: (body: unknown) => ConversionResult) =>
    async (req: Request, res: Response): Promise<void> => {
      try {
        await receive(channel, convert, req, res);
      } catch (error) {
        if (!limitResponse(error, res)) throw error;
      }
    };
  const receive = async (channel: string, convert: (body: unknown) => ConversionResult, req: Request, res: Response): Promise<void> => {
      let body: unknown;
      try {
        body = JSON.parse(rawBody(req).toString('utf8'));
      } catch (error) {
        res.status(400).json({ error: `malformed JSON: ${(error as Error).message}`, field: 'body' });
        return;
      }
      const converted = convert(body);
      if (!converted.ok) {
        res.status(400).json({ error: converted.message, field: converted.field });
        return;
      }
      const items: IntakeItem[] = converted.events.map((value, index) => ({ value, index }));
      // Senders cannot fix individual events: invalid or unmapped ones are counted and dropped.
      const result = await pipeline.ingest(items, { channel, invalid: 'drop', rejectUnmapped: false, client: clientOf(req) });
      if (!result.ok) throw new Error('unreachable: drop mode never rejects');
      res.status(202).json({ accepted: result.accepted, dropped: result.dropped, skipped: converted.skipped });
    };

  router.post('/api/v1/receivers/alertmanager', limiter, jsonTypes, raw, receiverAuth, receiver('alertmanager', alertmanagerToEvents));
  router.post('/api/v1/receivers/kubernetes-event-exporter', limiter, jsonTypes, raw, receiverAuth, receiver('kubernetes-event-exporter', (b) => kubernetesEventExporterToEvents(b)));

  router.get('/api/v1/sources', requireAuth(options.tokens, 'read'), (_req, res) => {
    res.json({ sources: options.sources() });
  });
  return router;
}
