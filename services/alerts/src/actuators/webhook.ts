import type { AttemptResult } from '@rollwatch/core';
import { httpAttempt } from '../http/attempt.js';
import { webhookHeaders } from '../http/signing.js';
import type { Actuation, ActuationKind, ActuationRequest, Actuator } from './interface.js';

export interface WebhookActuatorOptions {
  url: string;
  key?: Buffer;
  timeoutMs: number;
}

/** `rollwatch.action.v1`: what CI/CD systems and batch scripts receive (docs/alerts.md). */
export interface ActionWebhookV1 {
  type: 'rollwatch.action.v1';
  id: string;
  action: ActuationKind;
  rollout: string;
  target: { namespace: string; name: string };
  decision: string;
  sequence: number;
  reason: string;
  evaluatedAt: string;
}

export function actionWebhookV1(action: ActuationKind, request: ActuationRequest): ActionWebhookV1 {
  return {
    type: 'rollwatch.action.v1',
    id: request.idempotencyKey,
    action,
    rollout: request.rollout,
    target: request.target,
    decision: request.verdict.decision,
    sequence: request.verdict.sequence,
    reason: request.reason,
    evaluatedAt: request.verdict.evaluatedAt,
  };
}

/** Generic actuator: a signed POST per action; the receiver pauses/rolls back however it likes. */
export class WebhookActuator implements Actuator {
  readonly name = 'webhook';
  constructor(private readonly options: WebhookActuatorOptions) {}

  pause(request: ActuationRequest, signal?: AbortSignal): Promise<AttemptResult<Actuation>> {
    return this.post('pause', request, signal);
  }
  rollback(request: ActuationRequest, signal?: AbortSignal): Promise<AttemptResult<Actuation>> {
    return this.post('rollback', request, signal);
  }
  resume(request: ActuationRequest, signal?: AbortSignal): Promise<AttemptResult<Actuation>> {
    return this.post('resume', request, signal);
  }

  private async post(action: ActuationKind, request: ActuationRequest, signal?: AbortSignal): Promise<AttemptResult<Actuation>> {
    const body = JSON.stringify(actionWebhookV1(action, request));
    const result = await httpAttempt({
      url: this.options.url,
      method: 'POST',
      headers: webhookHeaders(this.options.key, request.idempotencyKey, body),
      body,
      timeoutMs: this.options.timeoutMs,
      signal,
    });
    return result.status === 'success' ? { status: 'success', value: { responseCode: result.value.status } } : result;
  }
}
