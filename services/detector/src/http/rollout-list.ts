import type { Verdict } from '@rollwatch/core';
import type { RolloutSummary } from '@rollwatch/analysis';

/** One row of GET /rollouts (and of the SSE stream's opening burst) before it is shaped for JSON. */
export interface ListedRollout {
  key: string;
  /** The engine's summary when this replica holds the rollout (its owner, or a registration). */
  summary?: RolloutSummary;
  /** This replica's latest evaluation of a local rollout, or the owner's latest published verdict. */
  verdict?: Verdict;
}

export interface RolloutListingInput {
  /** The rollouts this replica's engine holds. */
  local: RolloutSummary[];
  /** This replica's latest evaluation of a local rollout. */
  current(key: string): Verdict | undefined;
  /** The latest verdict published for a key by any replica (own ones included). */
  published(key: string): Verdict | undefined;
  /** Every replica's latest published verdicts (the view of rollwatch.verdicts); empty when it is off. */
  fleet: Iterable<Verdict>;
  /** Another replica's rollout is listed while its latest verdict was evaluated at or after this (ms). */
  sinceMs: number;
}

/**
 * The whole list on any replica: the rollouts this replica's engine holds, plus every rollout
 * another replica owns whose latest published verdict is within the retention window (the owner
 * evicts a rollout after as long without events, so older keys of the compacted topic are history).
 *
 * The order must be the same on every replica, because a client paging with `from`/`size` behind a
 * load balancer may get each page from another replica: most recently judged first (the
 * `evaluatedAt` of the key's latest *published* verdict, which every replica's view holds alike;
 * a local rollout with nothing published yet uses its last event time), then by key.
 */
export function rolloutListing(input: RolloutListingInput): ListedRollout[] {
  const rows = new Map<string, ListedRollout>();
  for (const summary of input.local) {
    const verdict = input.current(summary.rollout);
    rows.set(summary.rollout, { key: summary.rollout, summary, ...(verdict ? { verdict } : {}) });
  }
  for (const verdict of input.fleet) {
    if (rows.has(verdict.rollout)) continue;
    const at = Date.parse(verdict.evaluatedAt);
    if (!(at >= input.sinceMs)) continue;
    rows.set(verdict.rollout, { key: verdict.rollout, verdict });
  }
  const activity = new Map<string, number>();
  for (const row of rows.values()) activity.set(row.key, Date.parse(input.published(row.key)?.evaluatedAt ?? row.summary?.lastEventAt ?? '') || 0);
  return [...rows.values()].sort((a, b) => activity.get(b.key)! - activity.get(a.key)! || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
