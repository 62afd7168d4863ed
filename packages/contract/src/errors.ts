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

/**
 * A write the backend refused because of the data itself (mapping or validation error, document
 * too large, id too long): sending it again can never succeed, so the consumer dead-letters it with
 * `reason` and moves on instead of retrying for ever. `ids` names the refused documents when known.
 */
export class RejectedError extends RollwatchError {
  readonly status: number;
  readonly ids: string[];
  constructor(message: string, opts: { status: number; ids?: string[]; cause?: unknown }) {
    super(message, { retriable: false, code: 'REJECTED', cause: opts.cause });
    this.status = opts.status;
    this.ids = opts.ids ?? [];
  }
}

/**
 * Whether an HTTP status from a backend is the data's fault for good: 400 (mapping/validation), 413
 * (too large), 414 and 422. Everything else is retried: 408, 429 and 5xx are transient, and 401, 403
 * and 404 are the deployment's (credentials, a missing index): retrying until an operator fixes it
 * loses nothing, while dead-lettering would empty the whole stream into the DLQ. A 409 depends on
 * the write (a create's conflict is "already stored"), so callers decide it before asking here.
 */
export function isPermanentStatus(status: number): boolean {
  return status === 400 || status === 413 || status === 414 || status === 422;
}

/**
 * Whether an error says for certain that retrying cannot help (it carries `retriable: false`).
 * Unknown errors (a library's plain Error) are not: a consumer retries them rather than discard
 * data on a guess.
 */
export function isPermanent(error: unknown): boolean {
  const maybe = error as { retriable?: unknown } | null;
  return typeof maybe?.retriable === 'boolean' && !maybe.retriable;
}
