// A trigger is a reason to say no-go together with the EVENT time at which the evidence was
// complete; the earliest trigger at or before the evaluation horizon is the rollout's noGoAt.
import type { Reason } from '@rollwatch/core';

export interface Trigger {
  at: number;
  reason: Reason;
  /** Instances whose behaviour caused it (for environment attribution). */
  instances: string[];
  kind: 'critical' | 'threshold' | 'comparative' | 'no-data' | 'score' | 'environment';
}
