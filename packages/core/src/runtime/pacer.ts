/**
 * Cooperative slicing of long synchronous work. Node runs every queued setImmediate callback in one
 * check phase, so several loops that each yield "now and then" still add up to one long stall of
 * the event loop (/healthz and the API wait for it). A pacer makes each loop yield once its slice
 * has run for `sliceMs`, which bounds every loop's share of one event-loop turn.
 */
export const DEFAULT_SLICE_MS = 20;

/** One macrotask turn: lets I/O callbacks (HTTP requests, Kafka fetches) run before continuing. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export class Pacer {
  private sliceStart = performance.now();

  constructor(private readonly sliceMs = DEFAULT_SLICE_MS) {}

  /**
   * True when the current slice has run for its budget. Loops write
   * `if (pacer.due()) await pacer.yieldNow()`, which costs no promise while there is budget.
   */
  due(): boolean {
    return performance.now() - this.sliceStart >= this.sliceMs;
  }

  /** Yields unconditionally and starts a new slice. */
  async yieldNow(): Promise<void> {
    await yieldToEventLoop();
    this.sliceStart = performance.now();
  }
}
