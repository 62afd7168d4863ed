import { setTimeout as sleep } from 'node:timers/promises';
import { errorMessage, isRetriable } from '@rollwatch/contract';

/** What an adapter reports; retry policy lives only in `retry()` below. */
export type AttemptResult<T> =
  | { status: 'success'; value: T }
  | { status: 'failure'; error: string; code?: number }
  | { status: 'retryable'; error: string; code?: number; retryInMillis?: number };

export interface RetryOptions {
  /** Attempts in total, including the first. */
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  /** Give up when the next wait would end after this many ms from the first attempt. */
  deadlineMs?: number;
  signal?: AbortSignal;
  /** For tests: deterministic jitter. */
  random?: () => number;
  onRetry?: (info: { attempt: number; delayMs: number; error: string }) => void;
}

export const DEFAULT_RETRY: RetryOptions = { maxAttempts: 6, initialDelayMs: 200, maxDelayMs: 10_000, deadlineMs: 60_000 };

export interface RetryOutcome<T> {
  result: AttemptResult<T>;
  attempts: number;
}

/** Full-jitter exponential backoff (AWS architecture blog), capped; Retry-After wins when larger. */
export function backoffDelay(attempt: number, opts: Pick<RetryOptions, 'initialDelayMs' | 'maxDelayMs' | 'random'>, retryAfterMs?: number): number {
  const ceiling = Math.min(opts.maxDelayMs, opts.initialDelayMs * 2 ** (attempt - 1));
  const jittered = Math.round(ceiling / 2 + ((opts.random ?? Math.random)() * ceiling) / 2);
  return retryAfterMs !== undefined ? Math.max(retryAfterMs, jittered) : jittered;
}

/** Runs `attempt` until success, a permanent failure, the attempt limit or the deadline. */
export async function retry<T>(attempt: (n: number) => Promise<AttemptResult<T>>, options: Partial<RetryOptions> = {}): Promise<RetryOutcome<T>> {
  const opts: RetryOptions = { ...DEFAULT_RETRY, ...options };
  const started = Date.now();
  let last: AttemptResult<T> = { status: 'failure', error: 'not attempted' };
  for (let n = 1; n <= opts.maxAttempts; n++) {
    if (opts.signal?.aborted) return { result: { status: 'failure', error: 'aborted' }, attempts: n - 1 };
    try {
      last = await attempt(n);
    } catch (error) {
      last = isRetriable(error) ? { status: 'retryable', error: errorMessage(error) } : { status: 'failure', error: errorMessage(error) };
    }
    if (last.status !== 'retryable') return { result: last, attempts: n };
    if (n === opts.maxAttempts) break;
    const delayMs = backoffDelay(n, opts, last.retryInMillis);
    if (opts.deadlineMs !== undefined && Date.now() - started + delayMs > opts.deadlineMs) {
      return { result: last, attempts: n };
    }
    opts.onRetry?.({ attempt: n, delayMs, error: last.error });
    try {
      await sleep(delayMs, undefined, { signal: opts.signal });
    } catch {
      return { result: { status: 'failure', error: 'aborted' }, attempts: n };
    }
  }
  return { result: last, attempts: opts.maxAttempts };
}

/** Convenience: retries a throwing function while its errors are retriable; rethrows the last. */
export async function retryThrowing<T>(fn: () => Promise<T>, options: Partial<RetryOptions> = {}): Promise<T> {
  let lastError: unknown;
  const outcome = await retry<T>(async () => {
    try {
      return { status: 'success', value: await fn() };
    } catch (error) {
      lastError = error;
      return isRetriable(error) ? { status: 'retryable', error: errorMessage(error) } : { status: 'failure', error: errorMessage(error) };
    }
  }, options);
  if (outcome.result.status === 'success') return outcome.result.value;
  throw lastError ?? new Error(outcome.result.error);
}

/** Parses an HTTP Retry-After header (seconds or HTTP date) into milliseconds. */
export function parseRetryAfter(header: string | null | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}
