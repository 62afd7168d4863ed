import type { ActionRecord, Decision, Verdict } from '@rollwatch/core';

export type ActionKind = ActionRecord['kind'];
/** Audit statuses: core's final ones plus the intent written before acting. */
export type AuditStatus = ActionRecord['status'] | 'in-progress';
export const FINAL_STATUSES: readonly AuditStatus[] = ['succeeded', 'failed', 'dead-lettered', 'dry-run', 'skipped', 'silenced'];
/** Not delivered: replayable through POST /api/v1/dlq/replay. */
export const DEAD_STATUSES: readonly AuditStatus[] = ['dead-lettered', 'failed'];

/** `notifier:slack`, `actuator:argo-rollouts`, or `api` (overrides). */
export type Target = `notifier:${string}` | `actuator:${string}` | 'api';

/** One thing to do for one verdict: the unit of idempotency. */
export interface PlannedAction {
  kind: ActionKind;
  target: Target;
  route: string;
  verdict: Verdict;
  previousDecision: Decision | null;
  /** Why, in one line (the audit's `reason`, the notification's summary). */
  reason: string;
  dryRun: boolean;
  /** Decided not to act: recorded with this status and why. */
  suppressed?: { status: 'silenced' | 'skipped'; why: string };
  /** When the alert opened (Alertmanager startsAt). */
  startsAt: string;
  /** Resolves: the decision of the alert being closed (default: the verdict's decision). */
  alertDecision?: Decision;
  /** Actuations: the workload. */
  workload?: { namespace: string; name: string };
  /** Actuations that must not run (no namespace): recorded dead-lettered with this reason, never executed. */
  refused?: string;
  by?: string;
}

/** What happened to a planned action (from this run or an earlier one found in the audit). */
export interface ActionOutcome {
  action: PlannedAction;
  id: string;
  status: AuditStatus;
  attempts: number;
  responseCode: number | null;
  error: string | null;
  detail?: string;
}

/** What alerts remembers per rollout (persisted, so transitions survive restarts). */
export interface RolloutState {
  rollout: string;
  /** Highest verdict sequence handled; older or equal ones are duplicates or stale. */
  lastSequence: number;
  lastDecision: Decision | null;
  /** Last verdict seen (routing an override needs its service and labels). */
  lastVerdict: Verdict | null;
  /** The alert currently open, and which notifier targets were told about it. */
  openAlert: { decision: Decision; sequence: number; startsAt: string; notified: { target: Target; route: string; dryRun: boolean }[] } | null;
  /** Cooldown: last firing notification and last actuation per kind. */
  lastNotifiedAt: string | null;
  lastActuation: Partial<Record<'pause' | 'rollback' | 'resume', string>>;
  rolledBackAt: string | null;
  pausedByRoutes: string[];
}

export function emptyState(rollout: string): RolloutState {
  return { rollout, lastSequence: -1, lastDecision: null, lastVerdict: null, openAlert: null, lastNotifiedAt: null, lastActuation: {}, rolledBackAt: null, pausedByRoutes: [] };
}

/** The idempotency key of an action (rollout + verdict sequence + target + kind). */
export function idempotencyKey(action: Pick<PlannedAction, 'kind' | 'target' | 'verdict'>): string {
  return `${action.verdict.rollout}|${action.verdict.sequence}|${action.target}|${action.kind}`;
}
