// The log-template signal: a template seen in the canary but never in the baseline (often enough,
// or on enough instances), or one whose canary rate is significantly and materially higher. Rates
// are per instance-window, so a canary with fewer instances is not penalised for logging less.
import type { Reason } from '@rollwatch/core';
import { diffTemplates, type TemplateStat } from '@rollwatch/logtemplates';
import type { Policy } from '../policy/schema.js';
import type { ComparedGroup, RolloutState, TemplateCount, WindowState } from '../state/types.js';
import { hasBaselineGroup } from '../state/types.js';
import { TEMPLATE_SIGNAL } from '../signals/catalog.js';
import { fmtP, type SignalJudgement } from './compare.js';
import { groupOfInstance } from './samples.js';

function mergedCounts(state: RolloutState, group: ComparedGroup): Map<string, TemplateStat> {
  const hasBaseline = hasBaselineGroup(state);
  const sources: Record<string, TemplateCount>[] = [];
  if (group === 'canary') sources.push(state.templates.canary ?? {});
  else {
    sources.push(state.templates.baseline ?? {});
    if (!hasBaseline) sources.push(state.templates.stable ?? {});
  }
  const out = new Map<string, TemplateStat>();
  for (const table of sources) {
    for (const [id, t] of Object.entries(table)) {
      const prev = out.get(id);
      out.set(id, {
        template: t.template,
        count: (prev?.count ?? 0) + t.count,
        example: prev?.example ?? t.example,
        instances: [...(prev?.instances ?? []), ...t.instances],
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
    for (const [instance, agg] of Object.entries(w.instances)) {
      const g = groupOfInstance(state, instance, hasBaseline);
      if (g === null) continue;
      exposure[g]++;
      if (agg.logs > 0) logsSeen = true;
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
  if (exposure.canary < min.canary || exposure.baseline < min.baseline) {
    return { ...base, status: 'pending', reason: { signal, severity: 'info', message: `${signal}: too few instance-windows (canary ${exposure.canary}, baseline ${exposure.baseline})` } };
  }
  // "Never seen in the baseline" is only evidence when the baseline had a fair chance to log it:
  // with a baseline three times the canary's size, 3 canary-only lines happen by chance 1 time in
  // 27. So a new template must also pass the same one-sided exact test (at this look's alpha) as a
  // risen one, besides the minimum occurrences / instances.
  const problems = [
    ...diff.newTemplates.filter((c) => c.pValue <= Math.min(lt.alpha, alpha)).map((c) => ({ c, kind: 'new' as const })),
    ...diff.rose.map((c) => ({ c, kind: 'rose' as const })),
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
