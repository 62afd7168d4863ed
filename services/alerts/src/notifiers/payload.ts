import type { Decision, Reason } from '@rollwatch/core';
import type { Notice } from './interface.js';

/**
 * `rollwatch.verdict.v1`: the generic webhook's payload, a public contract (docs/alerts.md).
 * Additive changes only; a breaking change becomes `rollwatch.verdict.v2`.
 */
export interface VerdictWebhookV1 {
  type: 'rollwatch.verdict.v1';
  /** `notify` when an alert opens, `resolve` when it closes. */
  event: 'notify' | 'resolve';
  /** The idempotency key (same as the `webhook-id` header). */
  id: string;
  rollout: string;
  service: string | null;
  decision: Decision;
  previousDecision: Decision | null;
  score: number | null;
  reasons: Reason[];
  sequence: number;
  evaluatedAt: string;
  summary: string;
  labels: Record<string, string>;
  overridden: { by: string; reason: string; at: string } | null;
  links: { dashboard: string; verdictApi: string };
}

export const TOP_REASONS = 5;

/** Most severe reasons first (critical, fail, warn, info); stable within a severity. */
export function topReasons(reasons: readonly Reason[], limit = TOP_REASONS): Reason[] {
  const rank = { critical: 0, fail: 1, warn: 2, info: 3 } as const;
  return [...reasons].sort((a, b) => rank[a.severity] - rank[b.severity]).slice(0, limit);
}

export function verdictWebhookV1(notice: Notice): VerdictWebhookV1 {
  const v = notice.verdict;
  return {
    type: 'rollwatch.verdict.v1',
    event: notice.kind,
    id: notice.idempotencyKey,
    rollout: v.rollout,
    service: v.service ?? null,
    decision: v.decision,
    previousDecision: notice.previousDecision,
    score: v.score,
    reasons: v.reasons,
    sequence: v.sequence,
    evaluatedAt: v.evaluatedAt,
    summary: notice.summary,
    labels: v.labels ?? {},
    overridden: v.overridden ?? null,
    links: notice.links,
  };
}
