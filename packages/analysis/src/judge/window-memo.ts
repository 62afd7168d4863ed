// Incremental evaluation: each look's judgements are computed once.
//
// A look judges the windows [first window, look end), and every one of them is closed (its end is
// at or before the watermark). A closed window never changes: an event or provider sample older
// than the watermark is late and never touches a window. So a look re-evaluated before the next
// window boundary (after a critical event, or when the detector evaluates on a timer or after each
// batch) would judge exactly the same inputs again; its judgements are kept instead.
//
// Judgements also depend on which compared group each instance is in (an instance's group follows
// its latest event; `stable` counts as baseline only while no instance is `baseline`) and on the
// policy: both are part of the memo's key. The memo is derived data outside the rollout state (a
// WeakMap), so snapshots do not carry it and a restored engine recomputes it, with the same
// results. It holds one look per rollout (O(signals), whatever the history).
//
// Not memoised: the judge's per-(instance, window) inputs (judge/cells.ts). Keeping them folded per
// signal made a look cheaper, but cost about four times the rollout's own state in memory (337 KB
// against 82 KB per rollout at 60 minutes of history), because each instance-window becomes one
// cell per signal. They are rebuilt from the window aggregates at each new look.
import type { Policy } from '../policy/schema.js';
import { hasBaselineGroup, type RolloutState, type WindowState } from '../state/types.js';

function memoKey(state: RolloutState, policy: Policy): string {
  return `${state.groupsVersion ?? 0}|${hasBaselineGroup(state)}|${policy.analysis.interval}|${policy.analysis.lateness}|${policy.judge.minRequestsPerSample}`;
}

interface LookMemo {
  key: string;
  policy: Policy;
  judgements: Map<string, unknown>;
}

const looks = new WeakMap<RolloutState, LookMemo>();

/**
 * `judge()` of one signal at one look, computed once. A look's windows all end at or before the
 * watermark (closed, so immutable), and which windows they are is fixed by the first and last
 * window start and their number (closed windows are never added, only dropped from the front by
 * retention). The judgement is then a function of those windows, the groups and the policy: a
 * re-evaluation between two window boundaries (after a critical event) reuses it. Only the latest
 * look is kept per rollout. Callers get a copy, so nothing they change leaks into the memo.
 */
export function memoJudgement<T extends { reason: object }>(state: RolloutState, policy: Policy, signal: string, windows: readonly WindowState[], signalCount: number, judge: () => T): T {
  const last = windows[windows.length - 1];
  if (state.inventoryVersion === undefined || state.maxEventMs === null || last === undefined || last.start + policy.analysis.interval > state.maxEventMs - policy.analysis.lateness) return judge();
  const key = `${memoKey(state, policy)}|${signalCount}|${windows[0]!.start}|${last.start}|${windows.length}`;
  let memo = looks.get(state);
  if (!memo || memo.key !== key || memo.policy !== policy) {
    memo = { key, policy, judgements: new Map() };
    looks.set(state, memo);
  }
  let j = memo.judgements.get(signal) as T | undefined;
  if (j === undefined) {
    j = judge();
    memo.judgements.set(signal, j);
  }
  return { ...j, reason: { ...j.reason } };
}

