import type { ActionItem, RolloutItem, VerdictBody } from '@rollwatch/contract';
import { decisionRank } from './format.js';

/** What a row learns only from the list endpoint (a rollout first seen on the stream has none yet). */
type ListOnly = 'id' | 'revision' | 'registered' | 'location';

/** One row of the Rollouts page: the detector's summary plus the latest action taken. */
export type RolloutRow = Omit<RolloutItem, ListOnly> & Partial<Pick<RolloutItem, ListOnly>> & {
  lastAction: ActionItem | null;
};

function emptyRow(rollout: string): RolloutRow {
  return {
    rollout,
    service: null,
    decision: 'pending',
    score: null,
    sequence: 0,
    noGoAt: null,
    evaluatedAt: null,
    instances: null,
    events: null,
    firstEventAt: null,
    lastEventAt: null,
    labels: {},
    lastAction: null,
  };
}

/** The newest action per rollout (by `at`); the actions API returns newest first but may page. */
export function latestActions(actions: readonly ActionItem[]): Map<string, ActionItem> {
  const latest = new Map<string, ActionItem>();
  for (const action of actions) {
    const seen = latest.get(action.rollout);
    if (!seen || action.at > seen.at) latest.set(action.rollout, action);
  }
  return latest;
}

/** Builds rows from a fresh list fetch, keeping verdicts the stream delivered after it was issued. */
export function rowsFromList(items: readonly RolloutItem[], actions: readonly ActionItem[], previous: readonly RolloutRow[] = []): RolloutRow[] {
  const latest = latestActions(actions);
  const before = new Map(previous.map((r) => [r.rollout, r]));
  return sortRows(
    items.map((item) => {
      const old = before.get(item.rollout);
      // A list response can be older than a verdict already pushed over SSE: never go backwards.
      const fresher = old && old.sequence > item.sequence ? { decision: old.decision, score: old.score, sequence: old.sequence, noGoAt: old.noGoAt, evaluatedAt: old.evaluatedAt } : {};
      return { ...emptyRow(item.rollout), ...item, labels: item.labels ?? {}, ...fresher, lastAction: latest.get(item.rollout) ?? old?.lastAction ?? null };
    }),
  );
}

/**
 * Applies one verdict from the SSE stream. Verdicts are ordered per rollout by `sequence`; a
 * replayed or reordered older one is ignored. An unknown rollout gets a row at once (its counts
 * arrive with the next list refresh).
 */
export function applyVerdict(rows: readonly RolloutRow[], verdict: VerdictBody): RolloutRow[] {
  let found = false;
  const next = rows.map((row) => {
    if (row.rollout !== verdict.rollout) return row;
    found = true;
    if (verdict.sequence < row.sequence) return row;
    return { ...row, decision: verdict.decision, score: verdict.score, sequence: verdict.sequence, noGoAt: verdict.noGoAt, evaluatedAt: verdict.evaluatedAt, service: row.service ?? verdict.service ?? null };
  });
  if (!found) {
    next.push({ ...emptyRow(verdict.rollout), decision: verdict.decision, score: verdict.score, sequence: verdict.sequence, noGoAt: verdict.noGoAt, evaluatedAt: verdict.evaluatedAt, service: verdict.service ?? null, labels: verdict.labels ?? {} });
  }
  return sortRows(next);
}

/** no-go first, then pending, then go; within a decision the most recently active first. */
export function sortRows(rows: RolloutRow[]): RolloutRow[] {
  return rows.sort(
    (a, b) =>
      decisionRank(a.decision) - decisionRank(b.decision) ||
      String(b.lastEventAt ?? b.evaluatedAt ?? '').localeCompare(String(a.lastEventAt ?? a.evaluatedAt ?? '')) ||
      a.rollout.localeCompare(b.rollout),
  );
}

/** "pause → succeeded" style summary of an action for a table cell. */
export function actionSummary(action: ActionItem | null): string {
  if (!action) return '—';
  const target = action.target && action.target !== 'api' ? ` (${action.target})` : '';
  return `${action.kind}${target} → ${action.status}`;
}
