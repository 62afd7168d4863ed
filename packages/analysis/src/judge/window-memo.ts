// Incremental evaluation. A look judges the windows from the rollout's first window to the look's
// end, and all of them are closed (their end is at or before the watermark). A closed window never
// changes: an event or provider sample older than the watermark is late and never touches a window.
// Two memos follow from that, both only for engines created with `memoiseInputs` (the replay,
// whose open rollouts are few and short-lived), not in the detector, because of what they cost:
//   - each signal's inputs over the closed windows, folded once and extended window by window
//     (foldClosed, perWindow), so a new look reads only the open windows instead of every instance
//     aggregate of every window. It keeps one cell per (instance, window) per signal, about four
//     times the rollout's own state (337 KB against 82 KB per rollout at 60 minutes of history).
//     The threshold triggers' per-window sums (pooled requests/errors/CPU, probe counts) are kept
//     the same way (memoWindow), a few numbers per closed window;
//   - each look's judgements, per signal (memoJudgement). A look evaluated again before the next
//     window boundary (after a critical event) has the same inputs. One look per rollout:
//     O(signals) whatever the history, but about 13 KB (the reasons' text), close to a short
//     rollout's whole state.
//
// Both depend on more than the windows: on which compared group each instance is in (an instance's
// group follows its latest event; `stable` counts as baseline only while no instance is
// `baseline`) and on the policy. That is the memos' key: when it changes they are dropped. The memos
// are derived data outside the rollout state (WeakMaps), so snapshots do not carry them and a
// restored engine recomputes them, with the same results.
import type { Policy } from '../policy/schema.js';
import { hasBaselineGroup, type RolloutState, type WindowState } from '../state/types.js';

const inputMemo = new WeakSet<RolloutState>();

/** Turns on the input memo for a rollout (engines created with `memoiseInputs`). */
export function memoiseInputs(state: RolloutState): void {
  inputMemo.add(state);
}

/** The watermark's closed windows start at or before this; -Infinity when nothing may be memoised. */
function closedBefore(state: RolloutState, policy: Policy): number {
  if (!inputMemo.has(state) || state.inventoryVersion === undefined || state.maxEventMs === null) return -Infinity;
  return state.maxEventMs - policy.analysis.lateness - policy.analysis.interval;
}

interface Memo {
  /** memoKey's parts, compared one by one: building the key string was most of a memo hit's cost. */
  groupsVersion: number;
  hasBaseline: boolean;
  interval: number;
  lateness: number;
  minRequestsPerSample: number;
  byName: Map<string, WeakMap<WindowState, unknown>>;
}

const memos = new WeakMap<RolloutState, Memo>();

function memoKey(state: RolloutState, policy: Policy): string {
  return `${state.groupsVersion ?? 0}|${hasBaselineGroup(state)}|${policy.analysis.interval}|${policy.analysis.lateness}|${policy.judge.minRequestsPerSample}`;
}

/**
 * `compute(w)` for each window, from the memo for windows the watermark has closed. States built
 * by hand (without the engine's inventory counter) are never memoised: their groups may change
 * without a trace. Windows the memo does not hold (open ones, or every window without the input
 * memo) come from `scratch`, a table that lives for one evaluation (cells.ts withEvaluationCache),
 * so each is computed once per evaluation either way; without one, every window is computed.
 */
export function perWindow<T>(state: RolloutState, policy: Policy, name: string, windows: readonly WindowState[], compute: (w: WindowState) => T, scratch?: Map<WindowState, T>): T[] {
  const out: T[] = new Array<T>(windows.length);
  const closed = closedBefore(state, policy);
  let table: WeakMap<WindowState, unknown> | undefined;
  for (let i = 0; i < windows.length; i++) {
    const w = windows[i]!;
    if (w.start > closed) {
      let part = scratch?.get(w);
      if (part === undefined) {
        part = compute(w);
        scratch?.set(w, part);
      }
      out[i] = part;
      continue;
    }
    table ??= tableFor(state, policy, name);
    let part = table.get(w) as T | undefined;
    if (part === undefined) {
      part = compute(w);
      table.set(w, part);
    }
    out[i] = part;
  }
  return out;
}

/**
 * `compute(w)` for one window, from the memo when the watermark has closed it (perWindow for a
 * single window, for loops that may stop early). `compute` must depend only on the window, the
 * instances' compared groups and the policy (the memo's key).
 */
export function memoWindow<T>(state: RolloutState, policy: Policy, name: string, w: WindowState, compute: (w: WindowState) => T): T {
  if (w.start > closedBefore(state, policy)) return compute(w);
  const table = tableFor(state, policy, name);
  let part = table.get(w) as T | undefined;
  if (part === undefined) {
    part = compute(w);
    table.set(w, part);
  }
  return part;
}

function tableFor(state: RolloutState, policy: Policy, name: string): WeakMap<WindowState, unknown> {
  const groupsVersion = state.groupsVersion ?? 0;
  const hasBaseline = hasBaselineGroup(state);
  const { interval, lateness } = policy.analysis;
  const minRequestsPerSample = policy.judge.minRequestsPerSample;
  let memo = memos.get(state);
  if (
    !memo ||
    memo.groupsVersion !== groupsVersion ||
    memo.hasBaseline !== hasBaseline ||
    memo.interval !== interval ||
    memo.lateness !== lateness ||
    memo.minRequestsPerSample !== minRequestsPerSample
  ) {
    memo = { groupsVersion, hasBaseline, interval, lateness, minRequestsPerSample, byName: new Map() };
    memos.set(state, memo);
  }
  let table = memo.byName.get(name);
  if (!table) {
    table = new WeakMap();
    memo.byName.set(name, table);
  }
  return table;
}

interface LookMemo {
  // The key's parts, compared one by one (a key string per signal per look cost more than the
  // comparison). The policy's own fields in memoKey follow from its identity.
  policy: Policy;
  groupsVersion: number;
  hasBaseline: boolean;
  signalCount: number;
  first: number;
  last: number;
  windows: number;
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
  if (!inputMemo.has(state) || state.inventoryVersion === undefined || state.maxEventMs === null || last === undefined || last.start + policy.analysis.interval > state.maxEventMs - policy.analysis.lateness) return judge();
  const groupsVersion = state.groupsVersion ?? 0;
  const hasBaseline = hasBaselineGroup(state);
  const first = windows[0]!.start;
  let memo = looks.get(state);
  if (
    !memo ||
    memo.policy !== policy ||
    memo.groupsVersion !== groupsVersion ||
    memo.hasBaseline !== hasBaseline ||
    memo.signalCount !== signalCount ||
    memo.first !== first ||
    memo.last !== last.start ||
    memo.windows !== windows.length
  ) {
    memo = { policy, groupsVersion, hasBaseline, signalCount, first, last: last.start, windows: windows.length, judgements: new Map() };
    looks.set(state, memo);
  }
  let j = memo.judgements.get(signal) as T | undefined;
  if (j === undefined) {
    j = judge();
    memo.judgements.set(signal, j);
  }
  return { ...j, reason: { ...j.reason } };
}

/**
 * A running accumulation over a rollout's closed windows, oldest first: a look that extends the
 * previous one's windows folds in only the new windows. `fold` must add one window to the
 * accumulator; `copy` gives a private copy the caller may extend with open windows. The memo is
 * reset when the key (groups, policy) or `variant` changes, or when the windows are not an
 * extension of the folded ones (a window dropped by retention, an earlier first window).
 */
export function foldClosed<A>(
  state: RolloutState,
  policy: Policy,
  name: string,
  variant: string,
  windows: readonly WindowState[],
  init: () => A,
  fold: (acc: A, w: WindowState, index: number) => void,
  copy: (acc: A) => A,
): { acc: A; folded: number } {
  const closed = closedBefore(state, policy);
  if (closed === -Infinity) return { acc: init(), folded: 0 };
  const key = `${memoKey(state, policy)}|${variant}`;
  let memo = folds.get(state);
  if (!memo) {
    memo = new Map();
    folds.set(state, memo);
  }
  let f = memo.get(name) as Fold<A> | undefined;
  // Sorted by start and closed, so equal ends mean equal windows in between (closed windows are
  // never inserted, only dropped from the front).
  const n = f?.windows.length ?? 0;
  if (!f || f.key !== key || n > windows.length || (n > 0 && (windows[0] !== f.windows[0] || windows[n - 1] !== f.windows[n - 1]))) {
    f = { key, windows: [], acc: init() };
    memo.set(name, f);
  }
  for (let i = f.windows.length; i < windows.length && windows[i]!.start <= closed; i++) {
    fold(f.acc, windows[i]!, i);
    f.windows.push(windows[i]!);
  }
  return { acc: copy(f.acc), folded: f.windows.length };
}

interface Fold<A> {
  key: string;
  windows: WindowState[];
  acc: A;
}

const folds = new WeakMap<RolloutState, Map<string, unknown>>();
