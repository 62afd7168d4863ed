import { UnavailableError } from '@rollwatch/core';

/** An engine request that got no (complete) answer within its deadline: retriable, and told apart from a stop. */
export class EngineDeadlineError extends UnavailableError {
  constructor(what: string, timeoutMs: number) {
    super(`docker: ${what} got no complete answer within ${timeoutMs} ms`);
  }
}

/**
 * Runs one engine request under a deadline and the source's stop signal.
 *
 * Why: docker-modem settles a one-shot request (info, version, list, inspect) only on the
 * response's 'end', and opening a stream (events, logs) only on the response headers. If the
 * connection is cut after the headers but before the body ends (a daemon restart, a proxy or a
 * network blip), neither 'end' nor the request's 'error' fires and the promise stays pending
 * forever: the source would hang mid-reconnect and never see another event. The signal given to
 * `request` aborts the underlying HTTP request; the race guarantees the caller moves on even if the
 * library ignores it.
 *
 * The signal given to `request` fires only while the request is unsettled: a stream that opened
 * in time is not cut when the deadline passes later (its reader owns it from then on), and a
 * request abandoned at the deadline is aborted rather than left waiting on the socket.
 */
export async function engineCall<T>(what: string, timeoutMs: number, stop: AbortSignal, request: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const deadline = AbortSignal.timeout(timeoutMs);
  const signal = AbortSignal.any([stop, deadline]);
  const failure = (): UnavailableError =>
    stop.aborted ? new UnavailableError(`docker: ${what} abandoned: source stopping`) : new EngineDeadlineError(what, timeoutMs);
  if (signal.aborted) throw failure();
  const untilSettled = new AbortController();
  let onAbort: (() => void) | undefined;
  const abandoned = new Promise<never>((_, reject) => {
    onAbort = () => {
      untilSettled.abort();
      reject(failure());
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
  const pending = request(untilSettled.signal);
  // The loser of the race must not surface as an unhandled rejection later.
  pending.catch(() => undefined);
  try {
    return await Promise.race([pending, abandoned]);
  } finally {
    signal.removeEventListener('abort', onAbort!);
  }
}
