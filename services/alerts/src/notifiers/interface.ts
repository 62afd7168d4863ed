import type { AttemptResult, Decision, Verdict } from '@rollwatch/core';

export const NOTIFIER_NAMES = ['slack', 'webhook', 'alertmanager'] as const;
export type NotifierName = (typeof NOTIFIER_NAMES)[number];

/** What changed for a rollout, as every notifier sees it. */
export interface Notice {
  /** `notify`: an alert opens (decision changed to one a route alerts on); `resolve`: it closes. */
  kind: 'notify' | 'resolve';
  verdict: Verdict;
  previousDecision: Decision | null;
  /** The decision the alert is about: for a resolve, the one that opened it (so it carries the same identity). */
  alertDecision: Decision;
  /** One line saying why, e.g. "decision changed go → no-go" or "rolled back by rollwatch". */
  summary: string;
  /** Stable across retries and restarts: receivers dedupe on it (`webhook-id`, `Idempotency-Key`). */
  idempotencyKey: string;
  links: { dashboard: string; verdictApi: string };
  /** When the alert opened (Alertmanager startsAt); for a resolve also when it ended. */
  startsAt: string;
  endsAt?: string;
}

/** What a receiver answered (for the audit). */
export interface Delivery {
  responseCode: number | null;
}

/** Delivers a notice once; never retries (the executor decides that, in one place). */
export interface Notifier {
  readonly name: NotifierName;
  send(notice: Notice, signal?: AbortSignal): Promise<AttemptResult<Delivery>>;
}
