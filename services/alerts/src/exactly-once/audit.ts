import { createHash } from 'node:crypto';
import { actionRecordSchema, DLQ_TYPES, dlqRecord, INDICES, retryThrowing, TOPICS, type ActionRecord, type Bus, type Store, type StoreDoc } from '@rollwatch/core';
import type { ActionOutcome, AuditStatus, PlannedAction } from '../policy/types.js';
import { idempotencyKey } from '../policy/types.js';

/** One document per action in `rollwatch-actions`, keyed by a hash of its idempotency key. */
export interface ActionDoc extends StoreDoc {
  id: string;
  idempotencyKey: string;
  rollout: string;
  kind: ActionRecord['kind'];
  target: string;
  route: string;
  status: AuditStatus;
  decision: ActionRecord['decision'];
  verdictSequence: number;
  reason: string;
  at: string;
  startedAt: string | null;
  attempts: number;
  responseCode: number | null;
  error: string | null;
  detail: string | null;
  dryRun: boolean;
  latencyMs: number | null;
  by?: string;
  /** The planned action as JSON (kept as a string so verdict labels never hit the index mapping); replays use it. */
  payload: string;
}

/** ES ids and HTTP headers want short ASCII: `act_` + 32 hex of the key's SHA-256. */
export function actionId(key: string): string {
  return `act_${createHash('sha256').update(key).digest('hex').slice(0, 32)}`;
}

const STORE_RETRY = { maxAttempts: 5, initialDelayMs: 100, maxDelayMs: 2000, deadlineMs: 15_000 };

export function toActionRecord(doc: ActionDoc): ActionRecord & Record<string, unknown> {
  const record = actionRecordSchema.parse({
    id: doc.id,
    rollout: doc.rollout,
    kind: doc.kind,
    target: doc.target,
    status: doc.status === 'in-progress' ? 'failed' : doc.status,
    decision: doc.decision,
    verdictSequence: doc.verdictSequence,
    reason: doc.reason,
    at: doc.at,
    attempts: doc.attempts,
    responseCode: doc.responseCode,
    error: doc.error,
    by: doc.by,
  });
  // Additive fields beyond core's schema (consumers that parse with it just drop them).
  return { ...record, idempotencyKey: doc.idempotencyKey, route: doc.route, dryRun: doc.dryRun, detail: doc.detail, latencyMs: doc.latencyMs };
}

export function outcomeFromDoc(doc: ActionDoc, action: PlannedAction): ActionOutcome {
  return { action, id: doc.id, status: doc.status, attempts: doc.attempts, responseCode: doc.responseCode, error: doc.error, detail: doc.detail ?? undefined };
}

export function newDoc(action: PlannedAction, status: AuditStatus, now: Date): ActionDoc {
  const key = idempotencyKey(action);
  return {
    id: actionId(key),
    idempotencyKey: key,
    rollout: action.verdict.rollout,
    kind: action.kind,
    target: action.target,
    route: action.route,
    status,
    decision: action.verdict.decision,
    verdictSequence: action.verdict.sequence,
    reason: action.suppressed ? `${action.reason}; ${action.suppressed.why}` : action.reason,
    at: now.toISOString(),
    startedAt: null,
    attempts: 0,
    responseCode: null,
    error: null,
    detail: null,
    dryRun: action.dryRun,
    latencyMs: null,
    by: action.by ?? action.verdict.overridden?.by,
    payload: JSON.stringify(action),
  };
}

/** The audit trail: durable docs in the store, and every final record on `rollwatch.actions`. */
export class AuditLog {
  constructor(private readonly store: Store, private readonly bus: Bus) {}

  get(id: string): Promise<ActionDoc | undefined> {
    return retryThrowing(() => this.store.get(INDICES.actions, id), STORE_RETRY) as Promise<ActionDoc | undefined>;
  }

  write(doc: ActionDoc): Promise<void> {
    return retryThrowing(() => this.store.put(INDICES.actions, [doc]), STORE_RETRY);
  }

  /** Publishes a final record (ids are stable, so a re-publish after a crash is a duplicate consumers can drop). */
  async publish(doc: ActionDoc): Promise<void> {
    const record = toActionRecord(doc);
    await retryThrowing(() => this.bus.publish(TOPICS.actions, [{ key: doc.rollout, value: JSON.stringify(record), headers: { 'rollwatch-action-id': doc.id } }]), STORE_RETRY);
  }

  async deadLetter(doc: ActionDoc): Promise<void> {
    const record = dlqRecord(
      {
        type: DLQ_TYPES.action,
        source: 'alerts',
        id: doc.id,
        idempotencyKey: doc.idempotencyKey,
        action: JSON.parse(doc.payload) as unknown,
        error: doc.error ?? doc.status,
        responseCode: doc.responseCode,
        attempts: doc.attempts,
        status: doc.status,
        at: doc.at,
      },
      doc.rollout,
    );
    await retryThrowing(() => this.bus.publish(TOPICS.dlq, [record]), STORE_RETRY);
  }
}
