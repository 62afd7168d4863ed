import { UnavailableError } from '@rollwatch/core';

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
 */
export async function engineCall<T>(what: string, timeoutMs: number, stop: AbortSignal, request: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const deadline = AbortSignal.timeout(timeoutMs);
  const signal = AbortSignal.any([stop, deadline]);
  const failure = (): UnavailableError =>
    stop.aborted ? new UnavailableError(`docker: ${what} abandoned: source stopping`) : new UnavailableError(`docker: ${what} got no complete answer within ${timeoutMs} ms`);
  if (signal.aborted) throw failure();
  let onAbort: (() => void) | undefined;
  const abandoned = new Promise<never>((_, reject) => {
    onAbort = () => reject(failure());
    signal.addEventListener('abort', onAbort, { once: true });
  });
  const pending = request(signal);
  // The loser of the race must not surface as an unhandled rejection later.
  pending.catch(() => undefined);
  try {
    return await Promise.race([pending, abandoned]);
  } finally {
    signal.removeEventListener('abort', onAbort!);
  }
}
