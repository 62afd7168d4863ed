import { fetch, type Dispatcher } from 'undici';
import { parseRetryAfter, type AttemptResult } from '@rollwatch/core';

export interface HttpResponse {
  status: number;
  body: string;
  headers: Headers;
}

export interface HttpRequest {
  url: string;
  method: 'GET' | 'POST' | 'PATCH' | 'PUT';
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
  /** TLS settings (custom CA) for this endpoint. */
  dispatcher?: Dispatcher;
  signal?: AbortSignal;
}

// Responses worth retrying: the receiver is overloaded, restarting or asked us to wait.
const RETRIABLE_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);
const MAX_ERROR_BODY = 300;

/** Pure: how an HTTP status maps onto success / permanent failure / retry (with Retry-After). */
export function classifyResponse(response: HttpResponse, now = Date.now()): AttemptResult<HttpResponse> {
  if (response.status >= 200 && response.status < 300) return { status: 'success', value: response };
  const error = `HTTP ${response.status}${response.body ? `: ${response.body.slice(0, MAX_ERROR_BODY)}` : ''}`;
  if (RETRIABLE_STATUS.has(response.status) || response.status >= 500) {
    return { status: 'retryable', error, code: response.status, retryInMillis: parseRetryAfter(response.headers.get('retry-after'), now) };
  }
  return { status: 'failure', error, code: response.status };
}

/**
 * One HTTP call, classified. Network errors and timeouts are retryable (the receiver may be
 * restarting); an abort from the caller is a failure (we are shutting down).
 */
export async function httpAttempt(request: HttpRequest): Promise<AttemptResult<HttpResponse>> {
  const timeout = AbortSignal.timeout(request.timeoutMs);
  const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
  try {
    const response = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      signal,
      dispatcher: request.dispatcher,
    });
    const body = await response.text();
    return classifyResponse({ status: response.status, body, headers: response.headers as unknown as Headers });
  } catch (error) {
    if (request.signal?.aborted) return { status: 'failure', error: 'aborted' };
    if (timeout.aborted) return { status: 'retryable', error: `timed out after ${request.timeoutMs} ms` };
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return { status: 'retryable', error: `${(error as Error).message}${cause?.code ? ` (${cause.code})` : cause?.message ? ` (${cause.message})` : ''}` };
  }
}

/** Maps a successful HTTP result onto the audit's delivery receipt, keeping failures as they are. */
export function toDelivery(result: AttemptResult<HttpResponse>): AttemptResult<{ responseCode: number | null }> {
  return result.status === 'success' ? { status: 'success', value: { responseCode: result.value.status } } : result;
}
