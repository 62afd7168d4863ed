// One evaluation of a canary rollout as of an event-time horizon. Deterministic: a function of the
// rollout state (plus the cache of looks that are already final) and the horizon.
//
// Looks happen at the end of every window after the rollout's first event. Every signal's test is
// always valid (its alpha holds over unlimited looks), so looking at every window costs nothing. A
// comparative signal that fails at some look stays failed (a sequential test that rejected has
// stopped), so the walk over looks is cached once a look's windows are closed by the watermark.
import type { Reason } from '@rollwatch/core';
import type { EvaluationResult } from '../engine-api.js';
import type { Policy } from '../policy/schema.js';
import { TEMPLATE_SIGNAL } from '../signals/catalog.js';
import { windowStart } from '../state/ingest.js';
import type { RolloutState, SignalFailure, WindowState } from '../state/types.js';
import { comparedGroup, hasBaselineGroup } from '../state/types.js';
import { attribute, candidateAttributes, sharedHostValue } from '../attribution/attribution.js';
import { inventoryWarnings } from '../attribution/inventory.js';
import { collectInputs, withEvaluationCache } from './cells.js';
import { compareSignal, signalAlpha, type SignalJudgement } from './compare.js';
import { criticalTriggers } from './critical.js';
import { judgeTemplates } from './log-templates.js';
import { noDataCheck } from './no-data.js';
import { windowsBetween } from './samples.js';
import { memoJudgement } from './window-memo.js';
import { capScore, scoreSignals } from './score.js';
import { formatDuration } from '../policy/duration.js';
import { cpuTrigger, errorRateTrigger, failedProbeTrigger, unavailabilityTrigger } from './thresholds.js';
import type { Trigger } from './triggers.js';

const signalLists = new WeakMap<Policy, readonly string[]>();

/** The enabled comparative signals, sorted (once per policy object: policies are immutable). */
export function comparativeSignals(policy: Policy): string[] {
  let list = signalLists.get(policy);
  if (!list) {
    list = Object.entries(policy.signals)
      .filter(([name, s]) => s.enabled && (name === TEMPLATE_SIGNAL ? policy.logTemplates.enabled : true))
      .map(([name]) => name)
      .sort();
    signalLists.set(policy, list);
  }
  return [...list];
}

function judge(state: RolloutState, policy: Policy, signal: string, windows: readonly WindowState[], signalCount: number): SignalJudgement {
  if (signal === TEMPLATE_SIGNAL) return judgeTemplates(state, policy, windows, signalAlpha(policy, signalCount));
  return memoJudgement(state, policy, signal, windows, signalCount, () => compareSignal(signal, policy.signals[signal]!, collectInputs(state, signal, windows, policy), signalCount, policy));
}

/**
 * Walks the looks not yet final and returns the first failure per signal (cached ones included).
 * Only looks whose window holds data are tested: a look that adds nothing would repeat the previous
 * test. That also keeps evaluation cheap when the detector evaluates at wall-clock time long after
 * the last event.
 */
function sequentialFailures(
  state: RolloutState,
  policy: Policy,
  looks: number,
  first: number,
  watermark: number,
  current: ReadonlyMap<string, SignalJudgement>,
): Record<string, SignalFailure> {
  const interval = policy.analysis.interval;
  const signals = comparativeSignals(policy);
  const failures: Record<string, SignalFailure> = { ...state.looks.firstFailure };
  const from = first + state.looks.final * interval;
  const lookIndexes = Object.values(state.windows)
    .map((w) => w.start)
    .filter((start) => start >= from && start + interval <= first + looks * interval)
    .map((start) => (start - first) / interval + 1)
    .sort((a, b) => a - b);
  for (const k of lookIndexes) {
    const lookEnd = first + k * interval;
    const windows = k === looks ? [] : windowsBetween(state, first, lookEnd);
    for (const signal of signals) {
      // Template counts are cumulative (not windowed): judged at the current look only.
      if (failures[signal] || signal === TEMPLATE_SIGNAL) continue;
      const j = (k === looks ? current.get(signal) : undefined) ?? judge(state, policy, signal, windows, signals.length);
      if (j.status === 'fail') {
        failures[signal] = {
          look: k,
          at: lookEnd,
          reason: j.reason,
          pValue: j.pValue ?? 0,
          alpha: j.alpha ?? 0,
          canary: j.effect?.canaryMean ?? 0,
          baseline: j.effect?.baselineMean ?? 0,
          relativeIncrease: j.effect?.relativeIncrease ?? 0,
          hlShift: 0,
        };
      }
    }
  }
  // Looks whose windows the watermark has closed cannot change any more.
  const final = Math.min(looks, Math.floor((watermark - first) / interval));
  if (final > state.looks.final) {
    state.looks.final = final;
    for (const [s, f] of Object.entries(failures)) if (f.at <= first + final * interval) state.looks.firstFailure[s] = f;
  }
  return failures;
}

export interface CanaryEvaluation extends EvaluationResult {
  signals: SignalJudgement[];
}

/**
 * `horizon` bounds window-based evidence (looks, window thresholds): normally the watermark.
 * `latest` bounds instance-level evidence (critical events, health, silence): normally the newest
 * event time, so a critical event decides at once instead of a lateness later.
 */
export function evaluateCanary(state: RolloutState, policy: Policy, horizon: number, latest: number = horizon): CanaryEvaluation {
  return withEvaluationCache(state, () => evaluateCanaryLooks(state, policy, horizon, latest));
}

function evaluateCanaryLooks(state: RolloutState, policy: Policy, horizon: number, latest: number): CanaryEvaluation {
  const interval = policy.analysis.interval;
  const watermark = (state.maxEventMs ?? horizon) - policy.analysis.lateness;
  const first = windowStart(state.firstEventMs ?? horizon, interval);
  const looks = Math.max(0, Math.floor((horizon - first) / interval));
  const signals = comparativeSignals(policy);
  // Current picture at the latest look (or pending before the first window closes).
  const lookEnd = first + looks * interval;
  const lookWindows = windowsBetween(state, first, lookEnd);
  const currentLook = new Map<string, SignalJudgement>();
  for (const signal of signals) {
    currentLook.set(
      signal,
      looks === 0
        ? { signal, status: 'pending', canaryN: 0, baselineN: 0, pValue: null, alpha: null, effect: null, significant: false, reason: { signal, severity: 'info', message: `${signal}: first window not closed yet` } }
        : judge(state, policy, signal, lookWindows, signals.length),
    );
  }
  const failures = sequentialFailures(state, policy, looks, first, watermark, currentLook);

  const judgements: SignalJudgement[] = signals.map((signal) => {
    const current = currentLook.get(signal)!;
    if (looks === 0) return current;
    const latched = failures[signal];
    if (latched && current.status !== 'fail') {
      const reason: Reason = { ...latched.reason, message: `${latched.reason.message} (first failed at look ${latched.look}, ${iso(latched.at)})` };
      return { ...current, status: 'fail', reason };
    }
    return current;
  });

  const triggers: Trigger[] = [];
  const attributed = attribute(state, policy, latest);
  const envExplained = new Set(attributed?.instances ?? []);
  const exclude = attributed && policy.attribution.onEnvironment !== 'no-go' ? envExplained : undefined;
  let hostAttributeKeys: string[] | undefined;
  const sharesHostAttribute = (canaries: readonly string[], baseline: string): boolean =>
    sharedHostValue(state, policy, (hostAttributeKeys ??= candidateAttributes(state, policy)), canaries, baseline);
  for (const t of criticalTriggers(state, policy, { horizon: latest, sharesHostAttribute, ...(exclude ? { exclude } : {}) })) {
    if (attributed && t.instances.every((i) => envExplained.has(i))) {
      t.reason = { ...t.reason, cause: 'environment', attribute: { name: attributed.attribute, value: attributed.value } };
    }
    triggers.push(t);
  }

  const hasBaseline = hasBaselineGroup(state);
  const isCanary = (instance: string): boolean => {
    const inst = state.instances[instance];
    return inst !== undefined && comparedGroup(inst.group, hasBaseline) === 'canary';
  };
  const closed = windowsBetween(state, first, horizon);
  const errorTrigger = cachedTrigger(state, 'error_rate', watermark, () => errorRateTrigger(state, policy, closed, horizon, isCanary, 'canary', 'canary'));
  if (errorTrigger) triggers.push(errorTrigger);
  const cpu = cachedTrigger(state, 'cpu', watermark, () => cpuTrigger(state, policy, closed, horizon, isCanary, 'canary', 'canary'));
  if (cpu) triggers.push(cpu);
  const isBaseline = (instance: string): boolean => {
    const inst = state.instances[instance];
    return inst !== undefined && comparedGroup(inst.group, hasBaseline) === 'baseline';
  };
  // Like a critical trigger (and unlike the other window thresholds, not cached): failing probes
  // all on instances that attribution explains (a bad host kernel) are the environment's, not the
  // release's, and attribution may only settle after the probes failed.
  // Without exclusions the memberships are the compared groups: closed windows' sums are memoised.
  const probes = exclude
    ? failedProbeTrigger(state, policy, closed, horizon, (i) => isCanary(i) && !exclude.has(i), isBaseline)
    : failedProbeTrigger(state, policy, closed, horizon, isCanary, isBaseline, { canary: 'canary', baseline: 'baseline' });
  if (probes && attributed && probes.instances.length > 0 && probes.instances.every((i) => envExplained.has(i))) {
    probes.reason = { ...probes.reason, cause: 'environment', attribute: { name: attributed.attribute, value: attributed.value } };
  }
  if (probes) triggers.push(probes);
  // Every canary down, all on instances attribution explains: the hosts' outage, not the release's.
  const outage = unavailabilityTrigger(state, policy, latest);
  const outageOnEnvironment = outage !== null && attributed !== null && outage.instances.length > 0 && outage.instances.every((i) => envExplained.has(i));
  if (outage && outageOnEnvironment) outage.reason = { ...outage.reason, cause: 'environment', attribute: { name: attributed!.attribute, value: attributed!.value } };
  if (outage && !(outageOnEnvironment && exclude)) triggers.push(outage);
  const noData = noDataCheck(state, policy, latest);
  if (noData.trigger) triggers.push(noData.trigger);

  for (const j of judgements) {
    if (j.status !== 'fail' || j.blocking || !policy.signals[j.signal]?.mustPass) continue;
    triggers.push({ at: failures[j.signal]?.at ?? lookEnd, kind: 'comparative', instances: [], reason: j.reason });
  }
  // A blocking failure (a new error template) is timed by the canary line that completed its
  // evidence, and remembered once final.
  const templates = judgements.find((j) => j.signal === TEMPLATE_SIGNAL);
  const blocking = cachedTrigger(state, 'new_error_template', watermark, () =>
    templates?.blocking && templates.status === 'fail' ? { at: templates.completedAt ?? lookEnd, kind: 'threshold', instances: [], reason: templates.reason } : null,
  );
  if (blocking) triggers.push({ ...blocking, kind: 'comparative' });
  const score = scoreSignals(judgements, policy);
  const failing = judgements.filter((j) => j.status === 'fail');
  // A score over a few judged signals (the rest still pending) is not representative: it decides
  // only once every enabled signal with data has been judged, or once analysis.decideBy of canary
  // data has been seen (the pending ones will not change the picture any more).
  const pendingSignals = judgements.filter((j) => j.status === 'pending');
  const canaryData = canarySpan(state);
  const decideAt = canaryData === null ? null : first + Math.ceil((canaryData.first + policy.analysis.decideBy - first) / interval) * interval;
  // "15 minutes of canary data": the canary's own events, up to the watermark (data time, not the
  // evaluation time), must span decideBy, so a stream that ended earlier resolves neither in a
  // replay nor in the live detector evaluating at wall-clock time much later.
  const resolved =
    decideAt !== null && canaryData !== null && lookEnd >= decideAt && Math.min(canaryData.last, watermark, lookEnd) - canaryData.first >= policy.analysis.decideBy;
  const failingAt = (): number => failing.reduce((latest, j) => Math.max(latest, failures[j.signal]?.at ?? lookEnd), -Infinity);
  const marginal = score !== null && score < policy.scoring.pass && score >= policy.scoring.marginal && failing.length > 0;
  const onMarginal = policy.analysis.onMarginal;
  if (resolved && marginal && onMarginal === 'no-go') {
    const decided = cachedTrigger(state, 'decide_by', watermark, () => ({
      at: Math.max(decideAt, failingAt()),
      kind: 'score',
      instances: [],
      reason: {
        signal: 'score',
        severity: 'fail',
        message: `score ${score} is marginal (pass ${policy.scoring.pass}, marginal ${policy.scoring.marginal}) after ${formatDuration(policy.analysis.decideBy)} of canary data (analysis.decideBy): no-go (analysis.onMarginal; failing: ${failing.map((j) => j.signal).join(', ')})`,
        canary: score,
        threshold: policy.scoring.pass,
        cause: 'release',
      },
    }));
    if (decided) triggers.push({ ...decided, kind: 'score' });
  }
  if (score !== null && score < policy.scoring.marginal && failing.length > 0 && (pendingSignals.length === 0 || resolved)) {
    const at = failingAt();
    triggers.push({
      at,
      kind: 'score',
      instances: [],
      reason: { signal: 'score', severity: 'fail', message: `score ${score} is below the marginal threshold ${policy.scoring.marginal} (failing: ${failing.map((j) => j.signal).join(', ')})`, canary: score, threshold: policy.scoring.marginal, cause: 'release' },
    });
  }
  if (attributed && policy.attribution.onEnvironment === 'no-go') {
    triggers.push({ at: attributed.at, kind: 'environment', instances: attributed.instances, reason: attributed.reason });
  }

  const fired = triggers.filter((t) => t.at <= latest).sort((a, b) => a.at - b.at || (a.reason.signal < b.reason.signal ? -1 : 1));
  const reasons: Reason[] = [];
  let decision: EvaluationResult['decision'];
  if (fired.length > 0) {
    decision = 'no-go';
    for (const t of fired) reasons.push(t.reason);
  } else if (attributed && policy.attribution.onEnvironment === 'pending') {
    decision = 'pending';
  } else if (resolved && marginal && onMarginal === 'go') {
    decision = 'go';
    reasons.push({ signal: 'score', severity: 'warn', message: `score ${score} is marginal (pass ${policy.scoring.pass}, marginal ${policy.scoring.marginal}) after ${formatDuration(policy.analysis.decideBy)} of canary data (analysis.decideBy): go (analysis.onMarginal)`, canary: score, threshold: policy.scoring.pass });
  } else if (looks === 0 || pendingSignals.length > 0 || score === null || noData.pending.some((r) => r.severity === 'warn')) {
    decision = 'pending';
  } else if (score >= policy.scoring.pass) {
    decision = 'go';
  } else {
    decision = policy.scoring.marginalDecision;
    const until = decideAt !== null && onMarginal !== 'pending' ? `; ${onMarginal} at ${iso(decideAt)} (analysis.decideBy)` : '';
    reasons.push({ signal: 'score', severity: 'warn', message: `score ${score} is marginal (pass ${policy.scoring.pass}, marginal ${policy.scoring.marginal}): keep watching${until}`, canary: score, threshold: policy.scoring.pass });
  }
  if (attributed && !reasons.includes(attributed.reason)) reasons.push(attributed.reason);
  const listed = new Set(reasons);
  for (const j of judgements) {
    if (listed.has(j.reason) || (j.blocking && fired.some((t) => t.reason.signal === j.signal))) continue;
    const mustPass = policy.signals[j.signal]?.mustPass === true || j.blocking === true;
    reasons.push(j.status === 'fail' && !mustPass ? { ...j.reason, severity: 'warn' } : j.reason);
  }
  for (const r of noData.pending) reasons.push(r);
  for (const r of inventoryWarnings(state, policy)) reasons.push(r);
  if (state.lateDropped > 0) {
    reasons.push({ signal: 'late_events', severity: 'info', message: `${state.lateDropped} metric/log event(s) arrived later than the allowed lateness (${policy.analysis.lateness} ms) and were not counted` });
  }

  const noGoAt = fired[0] ? iso(fired[0].at) : null;
  let cause: EvaluationResult['cause'];
  if (attributed) cause = 'environment';
  else if (decision === 'no-go') cause = fired.every((t) => t.reason.cause === 'unknown') ? 'unknown' : 'release';
  const result: CanaryEvaluation = {
    rollout: state.id,
    decision,
    score: decision === 'no-go' && fired.some((t) => t.reason.severity === 'fail' || t.reason.severity === 'critical') ? capScore(score, policy) : score,
    reasons,
    noGoAt,
    evaluatedAt: iso(horizon),
    signals: judgements,
  };
  if (state.service !== undefined) result.service = state.service;
  if (cause !== undefined) result.cause = cause;
  return result;
}

/** First and latest event time of the canary instances, or null while no canary has reported. */
function canarySpan(state: RolloutState): { first: number; last: number } | null {
  const hasBaseline = hasBaselineGroup(state);
  let span: { first: number; last: number } | null = null;
  for (const inst of Object.values(state.instances)) {
    if (comparedGroup(inst.group, hasBaseline) !== 'canary') continue;
    if (span === null) span = { first: inst.firstSeen, last: inst.lastSeen };
    else span = { first: Math.min(span.first, inst.firstSeen), last: Math.max(span.last, inst.lastSeen) };
  }
  return span;
}

/** Window-threshold triggers on closed windows are final: cache them (retention may drop the window). */
function cachedTrigger(state: RolloutState, key: string, watermark: number, compute: () => Trigger | null): Trigger | null {
  const cached = state.looks.windowTriggers[key];
  if (cached) {
    return { at: cached.at, kind: 'threshold', instances: [], reason: cached.reason };
  }
  const t = compute();
  if (t && t.at <= watermark) state.looks.windowTriggers[key] = { at: t.at, reason: t.reason };
  return t;
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

