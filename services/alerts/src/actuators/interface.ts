import type { AttemptResult, Verdict } from '@rollwatch/core';

export type ActuationKind = 'pause' | 'rollback' | 'resume';

/** The workload to act on and why. */
export interface ActuationRequest {
  rollout: string;
  /** Namespace (Kubernetes) and object name (Deployment, Argo Rollout, Swarm service id/name). */
  target: { namespace: string; name: string };
  verdict: Verdict;
  reason: string;
  /** Stable across retries and restarts: sent as `Idempotency-Key` / `webhook-id`. */
  idempotencyKey: string;
}

export interface Actuation {
  responseCode: number | null;
  /** What was done, for the audit (e.g. "rolled back to revision 3"). */
  detail?: string;
}

/** Stops or resumes a rollout once; never retries (the executor decides that, in one place). */
export interface Actuator {
  readonly name: string;
  pause(request: ActuationRequest, signal?: AbortSignal): Promise<AttemptResult<Actuation>>;
  rollback(request: ActuationRequest, signal?: AbortSignal): Promise<AttemptResult<Actuation>>;
  resume(request: ActuationRequest, signal?: AbortSignal): Promise<AttemptResult<Actuation>>;
}
