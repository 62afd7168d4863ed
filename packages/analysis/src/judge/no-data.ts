// A canary that says nothing while the baseline talks is suspicious: it may be dead, unscheduled or
// not receiving traffic. Within the timeout that is "pending"; after it, the policy decides.
import type { Reason } from '@rollwatch/core';
import type { Policy } from '../policy/schema.js';
import { formatDuration } from '../policy/duration.js';
import type { RolloutState } from '../state/types.js';
import { comparedGroup, hasBaselineGroup } from '../state/types.js';
import type { Trigger } from './triggers.js';

export interface NoDataResult {
  trigger: Trigger | null;
  /** Pending reasons (canary silent but not for long enough, or no data at all). */
  pending: Reason[];
}

export function noDataCheck(state: RolloutState, policy: Policy, horizon: number): NoDataResult {
  const hasBaseline = hasBaselineGroup(state);
  let lastCanary: number | null = null;
  let lastBaseline: number | null = null;
  for (const i of Object.values(state.instances)) {
    const g = comparedGroup(i.group, hasBaseline);
    const seen = Math.min(i.lastSeen, horizon);
    if (i.firstSeen > horizon) continue;
    if (g === 'canary') lastCanary = Math.max(lastCanary ?? -Infinity, seen);
    if (g === 'baseline') lastBaseline = Math.max(lastBaseline ?? -Infinity, seen);
  }
  const first = state.firstEventMs ?? horizon;
  const silentSince = lastCanary ?? first;
  const timeout = policy.noData.timeout;
  const pending: Reason[] = [];
  if (lastBaseline === null && lastCanary === null) {
    pending.push({ signal: 'no_data', severity: 'info', message: 'no canary or baseline events yet' });
    return { trigger: null, pending };
  }
  if (lastBaseline === null) {
    pending.push({ signal: 'no_data', severity: 'warn', message: 'no baseline (or stable) events: nothing to compare the canary with' });
    return { trigger: null, pending };
  }
  // Suspicious only while the baseline keeps reporting: if both went quiet, the stream ended.
  if (lastBaseline <= silentSince + policy.analysis.interval) return { trigger: null, pending };
  const silentFor = Math.min(horizon, lastBaseline) - silentSince;
  const what = lastCanary === null ? 'the canary has sent no events' : `the canary has been silent since ${new Date(silentSince).toISOString()}`;
  if (silentFor >= timeout && policy.noData.onCanaryMissing === 'no-go') {
    return {
      trigger: {
        at: silentSince + timeout,
        kind: 'no-data',
        instances: [],
        reason: {
          signal: 'no_data',
          severity: 'fail',
          message: `${what} for ${formatDuration(silentFor)} while the baseline reports (timeout ${formatDuration(timeout)})`,
          threshold: timeout / 1000,
          cause: 'unknown',
        },
      },
      pending,
    };
  }
  if (lastCanary === null || silentFor >= Math.min(timeout, 2 * policy.analysis.interval)) {
    pending.push({
      signal: 'no_data',
      severity: 'warn',
      message: `${what} for ${formatDuration(Math.max(0, silentFor))} while the baseline reports${policy.noData.onCanaryMissing === 'no-go' ? ` (no-go after ${formatDuration(timeout)})` : ''}`,
    });
  }
  return { trigger: null, pending };
}
