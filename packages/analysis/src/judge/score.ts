// Score 0-100 from weighted signal groups (Kayenta-style): within a group, the share of judged
// signals that pass; across groups, the weighted mean over groups with at least one judged signal.
import type { Policy, SignalGroup } from '../policy/schema.js';
import type { SignalStatus } from './compare.js';

export function scoreSignals(statuses: readonly { signal: string; status: SignalStatus }[], policy: Policy): number | null {
  const perGroup = new Map<SignalGroup, { pass: number; fail: number }>();
  for (const { signal, status } of statuses) {
    if (status !== 'pass' && status !== 'fail') continue;
    const group = policy.signals[signal]?.group;
    if (!group) continue;
    const g = perGroup.get(group) ?? { pass: 0, fail: 0 };
    g[status]++;
    perGroup.set(group, g);
  }
  let weighted = 0;
  let weights = 0;
  for (const [group, { pass, fail }] of perGroup) {
    const w = policy.scoring.groups[group] ?? 0;
    weighted += w * (pass / (pass + fail));
    weights += w;
  }
  if (weights === 0) return null;
  return Math.round((1000 * weighted) / weights) / 10;
}

/**
 * The score of a no-go with a failing or critical reason: below scoring.marginal, so score and
 * decision never disagree (a crash-looping canary is not "100").
 */
export function capScore(score: number | null, policy: Policy): number {
  const cap = Math.max(0, Math.round(10 * policy.scoring.marginal - 1) / 10);
  return score === null ? cap : Math.min(score, cap);
}
