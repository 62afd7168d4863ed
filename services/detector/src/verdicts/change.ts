import { createHash } from 'node:crypto';
import type { AnomalyDocument, Reason, Verdict } from '@rollwatch/core';
import type { EvaluationResult } from '@rollwatch/analysis';

/** A verdict as computed, before it is numbered: what the engine said about one rollout. */
export type UnnumberedVerdict = Omit<Verdict, 'sequence'>;

/** Maps an engine result to the public Verdict shape (without sequence). */
export function toVerdict(result: EvaluationResult, labels?: Record<string, string>): UnnumberedVerdict {
  const verdict: UnnumberedVerdict = {
    rollout: result.rollout,
    decision: result.decision,
    score: result.score === null ? null : round(result.score, 2),
    reasons: result.reasons,
    evaluatedAt: result.evaluatedAt,
    noGoAt: result.noGoAt,
  };
  if (result.service !== undefined) verdict.service = result.service;
  if (result.cause !== undefined) verdict.cause = result.cause;
  if (labels && Object.keys(labels).length > 0) verdict.labels = labels;
  return verdict;
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Identity of a reason for change detection and anomaly ids: what failed, not its numbers. */
export function reasonKey(reason: Reason): string {
  return [reason.signal, reason.severity, reason.cause ?? '', reason.attribute ? `${reason.attribute.name}=${reason.attribute.value}` : '', reason.template ?? '', reason.batch ?? '']
    .map(String)
    .join('|');
}

export function isAnomaly(reason: Reason): boolean {
  return reason.severity !== 'info';
}

/**
 * Whether `next` is worth publishing after `previous`. Every evaluation tick re-computes scores; a
 * verdict per tick would flood the compacted topic and every notifier downstream, so only the
 * decision, the set of failing signals, or a score move of at least `minScoreDelta` count.
 */
export function significantChange(previous: UnnumberedVerdict | undefined, next: UnnumberedVerdict, minScoreDelta: number): boolean {
  if (!previous) return true;
  if (previous.decision !== next.decision) return true;
  if ((previous.cause ?? null) !== (next.cause ?? null)) return true;
  if ((previous.score === null) !== (next.score === null)) return true;
  if (previous.score !== null && next.score !== null && Math.abs(previous.score - next.score) >= minScoreDelta) return true;
  const before = anomalySignature(previous.reasons);
  const after = anomalySignature(next.reasons);
  return before !== after;
}

function anomalySignature(reasons: Reason[]): string {
  return reasons.filter(isAnomaly).map(reasonKey).sort().join('\n');
}

/**
 * Deterministic anomaly document id: the same finding on the same rollout always gets the same id,
 * so re-processing the same events after a restart overwrites instead of duplicating.
 */
export function anomalyId(rollout: string, reason: Reason): string {
  return `${rollout}:${createHash('sha256').update(reasonKey(reason)).digest('hex').slice(0, 24)}`;
}

export function verdictId(rollout: string, sequence: number): string {
  return `${rollout}:${sequence}`;
}

/** Documents for `rollwatch-anomalies`: one per non-info reason of a verdict. */
export function anomalyDocuments(verdict: Verdict, detectedAt: string): AnomalyDocument[] {
  return verdict.reasons.filter(isAnomaly).map((reason) => {
    const doc: AnomalyDocument = {
      ...reason,
      id: anomalyId(verdict.rollout, reason),
      rollout: verdict.rollout,
      decision: verdict.decision,
      sequence: verdict.sequence,
      time: verdict.evaluatedAt,
      detectedAt,
    };
    if (verdict.service !== undefined) doc.service = verdict.service;
    if (reason.attribute) {
      // Flattened so Kibana can filter on it; the nested object stays for API consumers.
      doc.attributeName = reason.attribute.name;
      doc.attributeValue = reason.attribute.value;
    }
    return doc;
  });
}

export function verdictDocument(verdict: Verdict, publishedAt: string): Record<string, unknown> & { id: string } {
  return { ...verdict, id: verdictId(verdict.rollout, verdict.sequence), publishedAt };
}
