/** A page owns its DOM under `root` and everything it started (streams, timers) until unmounted. */
export interface Page {
  unmount(): void;
}

export type Navigate = (path: string) => void;

/** Runs `fn` at most once per `ms`, trailing: many SSE events in a burst cause one refetch. */
export function debounce(fn: () => void, ms: number): { (): void; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const run = (): void => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      fn();
    }, ms);
  };
  run.cancel = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
  };
  return run;
}
