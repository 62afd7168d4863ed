/** One errors module: every error says whether retrying can help. */
export class RollwatchError extends Error {
  readonly retriable: boolean;
  readonly code: string;
  constructor(message: string, opts: { retriable?: boolean; code?: string; cause?: unknown } = {}) {
    super(message, { cause: opts.cause });
    this.name = new.target.name;
    this.retriable = opts.retriable ?? false;
    this.code = opts.code ?? 'ROLLWATCH_ERROR';
  }
}

/** Bad input or config: never retriable. `field` names what is wrong. */
export class ValidationError extends RollwatchError {
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`, { retriable: false, code: 'VALIDATION' });
    this.field = field;
  }
}

/** A dependency (Kafka, Elasticsearch, a webhook) is unavailable right now. */
export class UnavailableError extends RollwatchError {
  readonly retryAfterMs: number | undefined;
  constructor(message: string, opts: { retryAfterMs?: number; cause?: unknown } = {}) {
    super(message, { retriable: true, code: 'UNAVAILABLE', cause: opts.cause });
    this.retryAfterMs = opts.retryAfterMs;
  }
}

/** A bounded buffer is full: callers should push back (HTTP 503 + Retry-After). */
export class BackpressureError extends RollwatchError {
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds = 5) {
    super(message, { retriable: true, code: 'BACKPRESSURE' });
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export function isRetriable(error: unknown): boolean {
  if (error instanceof RollwatchError) return error.retriable;
  const maybe = error as { retriable?: unknown } | null;
  return typeof maybe?.retriable === 'boolean' ? maybe.retriable : false;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
