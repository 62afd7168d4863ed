import type { AttemptResult } from '@rollwatch/core';
import { httpAttempt, toDelivery } from '../http/attempt.js';
import { webhookHeaders } from '../http/signing.js';
import type { Delivery, Notice, Notifier } from './interface.js';
import { verdictWebhookV1 } from './payload.js';

export interface WebhookNotifierOptions {
  url: string;
  /** HMAC key from the whsec_ secret; unset sends unsigned (with webhook-id still set). */
  key?: Buffer;
  timeoutMs: number;
}

/** Generic webhook: POSTs `rollwatch.verdict.v1` JSON signed per Standard Webhooks. */
export class WebhookNotifier implements Notifier {
  readonly name = 'webhook' as const;
  constructor(private readonly options: WebhookNotifierOptions) {}

  async send(notice: Notice, signal?: AbortSignal): Promise<AttemptResult<Delivery>> {
    const body = JSON.stringify(verdictWebhookV1(notice));
    return toDelivery(
      await httpAttempt({
        url: this.options.url,
        method: 'POST',
        // Signed per attempt: the timestamp is fresh, the id stays the idempotency key.
        headers: webhookHeaders(this.options.key, notice.idempotencyKey, body),
        body,
        timeoutMs: this.options.timeoutMs,
        signal,
      }),
    );
  }
}
