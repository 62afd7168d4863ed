import type { RollwatchEvent } from '@rollwatch/core';

/** What a baseline canary judge decided about one rollout, in event time. */
export interface BaselineVerdict {
  /** True when the judge would have rolled the canary back. */
  flagged: boolean;
  /** Event time (epoch ms) of the check that rolled back, or null. */
  detectedAtMs: number | null;
  /** Checks / interval analyses run before the decision (or over the whole rollout). */
  checks: number;
  /** One line on why, for the report. */
  reason: string;
}

/** A competitor's analysis, re-implemented from its published defaults, replayed over recorded events. */
export interface BaselineJudge {
  readonly name: string;
  judge(events: readonly RollwatchEvent[]): BaselineVerdict;
}
