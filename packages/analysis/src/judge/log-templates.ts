// The log-template signal:
//  - a NEW ERROR template (level >= error) seen >= logTemplates.minNewCount times in the canary and
//    never in the baseline fails, and blocks the rollout whatever `mustPass` says: a stack trace the
//    old version never printed is the clearest evidence a canary gives;
//  - a new warn-level template fails when seen often enough (or on enough instances) and the
//    exact conditional binomial test says the baseline had a fair chance to log it;
//  - a template whose canary rate is significantly and materially higher fails;
//  - new info/debug templates (a feature flag message) never fail.
// Rates are per instance-window, so a canary with fewer instances is not penalised for logging less.
import type { Reason } from '@rollwatch/core';
import { diffTemplates, type TemplateStat } from '@rollwatch/logtemplates';
import type { Policy } from '../policy/schema.js';
import type { ComparedGroup, RolloutState, TemplateCount, WindowState } from '../state/types.js';
import { hasBaselineGroup } from '../state/types.js';
import { TEMPLATE_SIGNAL } from '../signals/catalog.js';
import { rateRatioTest } from '../stats/rate-ratio.js';
import { fmtP, type SignalJudgement } from './compare.js';
import { groupOfInstance } from './samples.js';

const LEVELS = { debug: 0, info: 1, warn: 2, error: 3, fatal: 4 } as const;
type Level = keyof typeof LEVELS;
type LevelledStat = TemplateStat & { level?: Level; times: number[] };

function mergedCounts(state: RolloutState, group: ComparedGroup): Map<string, LevelledStat> {
  const hasBaseline = hasBaselineGroup(state);
  const sources: Record<string, TemplateCount>[] = [];
  if (group === 'canary') sources.push(state.templates.canary ?? {});
  else {
    sources.push(state.templates.baseline ?? {});
    if (!hasBaseline) sources.push(state.templates.stable ?? {});
  }
  const out = new Map<string, LevelledStat>();
  for (const table of sources) {
    for (const [id, t] of Object.entries(table)) {
      const prev = out.get(id);
      const level = prev?.level === undefined || (t.level !== undefined && LEVELS[t.level] > LEVELS[prev.level]) ? t.level : prev.level;
      out.set(id, {
        template: t.template,
        count: (prev?.count ?? 0) + t.count,
        example: prev?.example ?? t.example,
        instances: [...(prev?.instances ?? []), ...t.instances],
        times: prev ? [...prev.times, ...(t.times ?? [])].sort((a, b) => a - b) : (t.times ?? []),
        ...(level !== undefined ? { level } : {}),
      });
    }
  }
  return out;
}

export function judgeTemplates(state: RolloutState, policy: Policy, windows: readonly WindowState[], alpha: number): SignalJudgement {
  const signal = TEMPLATE_SIGNAL;
  const exposure = { canary: 0, baseline: 0 };
  let logsSeen = false;
  const hasBaseline = hasBaselineGroup(state);
  for (const w of windows) {
    for (const instance in w.instances) {
      const g = groupOfInstance(state, instance, hasBaseline);
      if (g === null) continue;
      exposure[g]++;
      if (w.instances[instance]!.logs > 0) logsSeen = true;
    }
  }
  const base = { signal, canaryN: exposure.canary, baselineN: exposure.baseline, pValue: null, alpha: null, effect: null, significant: false };
  if (!logsSeen) return { ...base, status: 'absent', reason: { signal, severity: 'info', message: `${signal}: no log lines` } };
  const min = policy.judge.minSamples;
  const canary = mergedCounts(state, 'canary');
  const baseline = mergedCounts(state, 'baseline');
  const lt = policy.logTemplates;
  const sum = (m: Map<string, TemplateStat>): number => [...m.values()].reduce((s, t) => s + t.count, 0);
  const diff = diffTemplates(
    { totalLines: sum(baseline), exposure: Math.max(1, exposure.baseline), templates: baseline },
    { totalLines: sum(canary), exposure: Math.max(1, exposure.canary), templates: canary },
    { minOccurrences: lt.minOccurrences, minInstances: lt.minInstances, alpha: Math.min(lt.alpha, alpha), minRateRatio: lt.minRateRatio },
  );
  // New error-level templates: seen >= minNewCount times, never in the baseline, and the baseline
  // had a fair chance to log it. Under "the template is as common in the canary as in the
  // baseline (up to the allowed increase)", each occurrence is a canary one with probability
  // p0 = r·s / (r·s + 1 − s), s the canary's share of the instance-windows; (1/p0)^k for k
  // canary-only occurrences is a likelihood ratio (alternative: only the canary logs it), a test
  // martingale, so requiring it to reach 1/alpha keeps the false-alarm guarantee over any number
  // of looks. With the default budget (0.01 over 9 signals) it takes 6 lines at 1 canary vs 3
  // baselines, 7 at 3 vs 6, 11 at 3 vs 3: the engine sees the baseline only since the rollout
  // started, and a rare error that the old version also logs now and then lands on the canary
  // first more often than not (3 canary lines first: 1 time in 20 at 3 vs 6, per template).
  const r = 1 + policy.judge.allowedIncrease;
  const needed = Math.log(1 / alpha);
  // Instance-windows per group up to each window (windows are sorted by start): the exposure share
  // as of an occurrence's time, from closed looks only, so the answer does not depend on when the
  // evaluation runs.
  const lookEnd = windows.length > 0 ? windows[windows.length - 1]!.start + policy.analysis.interval : -Infinity;
  const starts: number[] = [];
  const cumulative: { canary: number; baseline: number }[] = [];
  const running = { canary: 0, baseline: 0 };
  for (const w of windows) {
    for (const instance in w.instances) {
      const g = groupOfInstance(state, instance, hasBaseline);
      if (g !== null) running[g]++;
    }
    starts.push(w.start);
    cumulative.push({ ...running });
  }
  const shareAt = (t: number): number => {
    let lo = 0;
    let hi = starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid]! <= t) lo = mid + 1;
      else hi = mid;
    }
    const e = lo > 0 ? cumulative[lo - 1]! : { canary: 0, baseline: 0 };
    return e.canary + e.baseline > 0 ? e.canary / (e.canary + e.baseline) : 1;
  };
  /** Event time of the canary occurrence that completed the evidence, or null. */
  const completedAt = (id: string, t: LevelledStat): { at: number; k: number; p: number } | null => {
    if (t.count < lt.minNewCount || t.level === undefined || LEVELS[t.level] < LEVELS.error) return null;
    const firstBaseline = baseline.get(id)?.times[0] ?? (baseline.has(id) ? -Infinity : Infinity);
    for (let k = lt.minNewCount; k <= t.times.length; k++) {
      const at = t.times[k - 1]!;
      if (at >= firstBaseline || at >= lookEnd) return null;
      const s = shareAt(at);
      const p0 = (r * s) / (r * s + 1 - s);
      if (p0 < 1 && k * Math.log(1 / p0) >= needed) return { at, k, p: Math.exp(k * Math.log(p0)) };
    }
    return null;
  };
  const newErrors = [...canary.entries()]
    .map(([id, t]) => ({ id, t, done: completedAt(id, t) }))
    .filter((x): x is { id: string; t: LevelledStat; done: { at: number; k: number; p: number } } => x.done !== null)
    .sort((x, y) => x.done.at - y.done.at || (x.id < y.id ? -1 : 1));
  if (newErrors.length > 0) {
    const { t, done } = newErrors[0]!;
    const more = newErrors.length > 1 ? `; ${newErrors.length - 1} more new error template(s)` : '';
    const instances = new Set(t.instances ?? []).size;
    const p = done.p;
    const reason: Reason = {
      signal,
      severity: 'fail',
      message: `new log template in the canary (${t.count} lines on ${instances} instance(s), never in the baseline, always-valid p=${fmtP(p)}; level ${t.level}): "${t.template}"${more}`,
      canary: t.count,
      baseline: 0,
      pValue: p,
      effectSize: null,
      threshold: lt.minNewCount,
      cause: 'release',
      template: t.template,
      example: t.example ?? '',
    };
    return { ...base, status: 'fail', significant: true, blocking: true, alpha, pValue: p, reason, completedAt: done.at };
  }
  if (exposure.canary < min.canary || exposure.baseline < min.baseline) {
    return { ...base, status: 'pending', reason: { signal, severity: 'info', message: `${signal}: too few instance-windows (canary ${exposure.canary}, baseline ${exposure.baseline})` } };
  }
  // "Never seen in the baseline" is only evidence when the baseline had a fair chance to log it:
  // with a baseline three times the canary's size, 3 canary-only lines happen by chance 1 time in
  // 27. So a new warn-level template must also pass the same one-sided exact test (at this
  // signal's alpha) as a risen one, besides the minimum occurrences / instances. Info and debug
  // templates never fail as new: a new feature logs new lines.
  const atLeastWarn = (id: string): boolean => {
    const level = canary.get(id)?.level;
    return level === undefined || LEVELS[level] >= LEVELS.warn;
  };
  // "Rose" is looked at every window, so it needs an always-valid test too (a fixed p <= 0.001 at
  // every look fails good canaries over a long rollout): the rate-ratio e-process against "the
  // canary's rate is at most minRateRatio x the baseline's", over instance-windows, at this
  // signal's alpha shared by the templates that could rise (Bonferroni over templates).
  const candidates = Math.max(1, [...canary.values()].filter((t) => t.count >= lt.minOccurrences).length);
  const rose = diff.rose
    .map((c) => ({ ...c, pValue: rateRatioTest([{ canary: c.canaryCount, baseline: c.baselineCount, canaryExposure: exposure.canary, baselineExposure: exposure.baseline }], { allowedRatio: lt.minRateRatio }).pValue }))
    .filter((c) => c.pValue <= alpha / candidates);
  const problems = [
    ...diff.newTemplates.filter((c) => c.pValue <= Math.min(lt.alpha, alpha) && atLeastWarn(c.templateId)).map((c) => ({ c, kind: 'new' as const })),
    ...rose.map((c) => ({ c, kind: 'rose' as const })),
  ];
  if (problems.length > 0) {
    const top = problems[0]!;
    const text =
      top.kind === 'new'
        ? `new log template in the canary (${top.c.canaryCount} lines on ${top.c.canaryInstances ?? '?'} instance(s), never in the baseline, p=${fmtP(top.c.pValue)})`
        : `log template rate rose ${top.c.rateRatio === null ? '' : `x${top.c.rateRatio.toFixed(1)} `}in the canary (${top.c.canaryCount} vs ${top.c.baselineCount} lines, p=${fmtP(top.c.pValue)})`;
    const more = problems.length > 1 ? `; ${problems.length - 1} more template(s)` : '';
    const reason: Reason = {
      signal,
      severity: 'fail',
      message: `${text}: "${top.c.template}"${more}`,
      canary: top.c.canaryCount,
      baseline: top.c.baselineCount,
      pValue: top.c.pValue,
      effectSize: top.c.rateRatio,
      threshold: top.kind === 'new' ? lt.minOccurrences : lt.minRateRatio,
      cause: 'release',
      template: top.c.template,
      example: top.c.example,
    };
    return { ...base, status: 'fail', significant: true, reason };
  }
  return {
    ...base,
    status: 'pass',
    reason: { signal, severity: 'info', message: `${signal} ok: ${canary.size} canary / ${baseline.size} baseline templates at or above ${lt.minLevel}, none new or risen` },
  };
}

/** Template table for the detector's /templates endpoint. */
export function templateTable(state: RolloutState): { id: string; template: string; example: string; canary: number; baseline: number; canaryInstances: number }[] {
  const canary = mergedCounts(state, 'canary');
  const baseline = mergedCounts(state, 'baseline');
  const ids = new Set([...canary.keys(), ...baseline.keys()]);
  return [...ids]
    .map((id) => {
      const c = canary.get(id);
      const b = baseline.get(id);
      return {
        id,
        template: c?.template ?? b?.template ?? '',
        example: c?.example ?? b?.example ?? '',
        canary: c?.count ?? 0,
        baseline: b?.count ?? 0,
        canaryInstances: new Set(c?.instances ?? []).size,
      };
    })
    .sort((x, y) => y.canary + y.baseline - (x.canary + x.baseline) || (x.id < y.id ? -1 : 1));
}
