// Sends one batch of NDJSON lines to ingest's POST /api/v1/events. The ingest accepts a batch whole or
// not at all (400 lists the bad events by index), so the invalid events are set aside with their
// reasons and the rest is sent again; 429/503 (and 5xx, network errors) are retried after Retry-After
// or an exponential backoff; 413 splits the batch.
import { setTimeout as sleep } from 'node:timers/promises';
import { authHeaders } from '../token.js';

export interface PushLine {
  /** 1-based line number in the input. */
  line: number;
  text: string;
}

export interface Rejection {
  line: number;
  field: string;
  message: string;
}

export interface BatchResult {
  accepted: number;
  rejected: Rejection[];
  retries: number;
}

/** The ingest cannot be used at all (wrong token, wrong URL, retries exhausted): the push stops. */
export class PushError extends Error {
  constructor(
    message: string,
    /** 2 for auth/usage-like problems, 1 for a server that never accepted. */
    readonly exitCode: 1 | 2,
  ) {
    super(message);
    this.name = 'PushError';
  }
}

export interface SendOptions {
  url: string;
  token?: string;
  /** Attempts per request for 429/503/5xx/network errors. */
  maxAttempts?: number;
  /** First backoff when the answer has no Retry-After; doubles up to maxBackoffMs. */
  backoffMs?: number;
  maxBackoffMs?: number;
  onRetry?: (message: string, waitMs: number) => void;
  /** A request of `events` events was too large (413) and is sent in halves. */
  onSplit?: (events: number) => void;
  fetch?: typeof fetch;
}

interface IngestError {
  error?: string;
  field?: string;
  errors?: { index?: number; field?: string; message?: string }[];
}

/** Retry-After as seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

async function post(o: SendOptions, lines: PushLine[]): Promise<Response> {
  const doFetch = o.fetch ?? fetch;
  const maxAttempts = o.maxAttempts ?? 8;
  let backoff = o.backoffMs ?? 500;
  for (let attempt = 1; ; attempt++) {
    let res: Response | undefined;
    let problem: string;
    try {
      res = await doFetch(`${o.url}/api/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson', ...authHeaders(o.token) },
        body: `${lines.map((l) => l.text).join('\n')}\n`,
        signal: AbortSignal.timeout(60_000),
      });
      if (res.status !== 429 && res.status < 500) return res;
      problem = `ingest answered HTTP ${res.status}`;
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause;
      problem = `cannot reach ingest at ${o.url}: ${cause?.code ?? (error as Error).message}`;
      if (attempt === 1 && cause?.code === 'ECONNREFUSED') throw new PushError(problem, 2);
    }
    if (attempt >= maxAttempts) throw new PushError(`${problem}; gave up after ${attempt} attempts`, 1);
    const hinted = res ? retryAfterMs(res.headers.get('retry-after')) : undefined;
    await res?.body?.cancel().catch(() => undefined);
    const wait = hinted ?? backoff + Math.floor(Math.random() * (backoff / 4));
    backoff = Math.min(backoff * 2, o.maxBackoffMs ?? 30_000);
    o.onRetry?.(problem, wait);
    await sleep(wait);
  }
}

/** Sends `lines` (already known to be JSON) until every one is accepted or rejected with a reason. */
export async function sendBatch(o: SendOptions, lines: PushLine[]): Promise<BatchResult> {
  const result: BatchResult = { accepted: 0, rejected: [], retries: 0 };
  const counting = { ...o, onRetry: (m: string, w: number) => (result.retries++, o.onRetry?.(m, w)) };
  let pending = lines;
  while (pending.length > 0) {
    const res = await post(counting, pending);
    if (res.status === 202 || res.status === 200) {
      const body = (await res.json().catch(() => ({}))) as { accepted?: number };
      result.accepted += body.accepted ?? pending.length;
      return result;
    }
    const body = (await res.json().catch(() => ({}))) as IngestError;
    if (res.status === 401 || res.status === 403) throw new PushError(`ingest refused the token (HTTP ${res.status}: ${body.error ?? ''}); pass --token-file or set ROLLWATCH_API_TOKEN`, 2);
    if (res.status === 404) throw new PushError(`${o.url}/api/v1/events answered 404: is --url the ingest?`, 2);
    if (res.status === 413) {
      if (pending.length === 1) {
        result.rejected.push({ line: pending[0]!.line, field: 'body', message: body.error ?? 'larger than the ingest accepts (413)' });
        return result;
      }
      // Too large for INGEST_BODY_LIMIT: halve and send the halves.
      o.onSplit?.(pending.length);
      const half = Math.ceil(pending.length / 2);
      for (const part of [pending.slice(0, half), pending.slice(half)]) {
        const sub = await sendBatch(o, part);
        result.accepted += sub.accepted;
        for (const rejection of sub.rejected) result.rejected.push(rejection);
        result.retries += sub.retries;
      }
      return result;
    }
    if (res.status !== 400) throw new PushError(`ingest answered HTTP ${res.status}: ${body.error ?? ''}`, 1);
    // 400: nothing in this batch was accepted. Set aside the events it names, send the rest again.
    const bad = new Map<number, Rejection>();
    for (const e of body.errors ?? []) {
      const item = e.index !== undefined && e.index >= 0 ? pending[e.index] : undefined;
      if (item && !bad.has(e.index!)) bad.set(e.index!, { line: item.line, field: e.field ?? 'body', message: e.message ?? body.error ?? 'invalid' });
    }
    if (bad.size === 0) {
      // The body as a whole was refused: every line in it is rejected with that reason.
      for (const item of pending) result.rejected.push({ line: item.line, field: body.field ?? 'body', message: body.error ?? 'rejected' });
      return result;
    }
    for (const rejection of bad.values()) result.rejected.push(rejection);
    pending = pending.filter((_, i) => !bad.has(i));
  }
  return result;
}
