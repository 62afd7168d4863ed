export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Stop polling at once (the probe's last error is reported) when this turns true. */
  failFast?: () => boolean;
}

/**
 * Polls `probe` until it returns a truthy value; errors thrown by the probe count as "not yet"
 * (a server that is still starting refuses connections) but the last one is quoted on timeout.
 */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false | null> | T | undefined | false | null, options: WaitOptions = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const intervalMs = options.intervalMs ?? 200;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    if (options.failFast?.() || Date.now() >= deadline) break;
    await sleep(intervalMs);
  }
  const why = lastError ? `: ${(lastError as Error).message}` : '';
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
}
