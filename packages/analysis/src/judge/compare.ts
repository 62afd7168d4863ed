// The comparative judge for one signal at one look: Mann-Whitney U on the per-(instance, window)
// samples, at the look's nominal alpha (alpha spending over looks, Bonferroni over signals), and an
// effect-size gate so a significant but immaterial difference (within the allowed increase, or
// below the signal's minDelta) passes.
import type { Reason } from '@rollwatch/core';
import type { Policy, SignalSettings } from '../policy/schema.js';
import { effectSize, meanChange, type EffectSize } from '../stats/effect-size.js';
import { lookAlpha } from '../stats/alpha-spending.js';
import { mannWhitney, type Alternative } from '../stats/mann-whitney.js';
import type { GroupSamples } from './samples.js';

export type SignalStatus = 'pass' | 'fail' | 'pending' | 'absent';

export interface SignalJudgement {
  signal: string;
  status: SignalStatus;
  canaryN: number;
  baselineN: number;
  pValue: number | null;
  alpha: number | null;
  effect: EffectSize | null;
  /** Significant at this look's alpha (whatever the effect size). */
  significant: boolean;
  reason: Reason;
}

/** Nominal alpha of one signal at look k: its Bonferroni share of the budget, spent over looks. */
export function signalAlpha(policy: Policy, look: number, signals: number): number {
  const j = policy.judge;
  return lookAlpha(look, { kind: j.spending, alpha: j.alpha / Math.max(1, signals), plannedLooks: policy.analysis.plannedLooks, tailShare: j.tailShare });
}

export function compareSignal(
  signal: string,
  settings: SignalSettings,
  samples: GroupSamples,
  look: number,
  signalCount: number,
  policy: Policy,
  /** false: skip medians, quantiles and Hodges-Lehmann (looks walked only to find the first failure). */
  detail = true,
): SignalJudgement {
  const canaryN = samples.canary.length;
  const baselineN = samples.baseline.length;
  const base = { signal, canaryN, baselineN, pValue: null, alpha: null, effect: null, significant: false };
  const unit = settings.unit;
  if (!samples.present && canaryN === 0 && baselineN === 0) {
    return { ...base, status: 'absent', reason: { signal, severity: 'info', message: `${signal}: no data` } };
  }
  const min = policy.judge.minSamples;
  if (canaryN < min.canary || baselineN < min.baseline) {
    return {
      ...base,
      status: 'pending',
      reason: {
        signal,
        severity: 'info',
        message: `${signal}: too few samples (canary ${canaryN}/${min.canary}, baseline ${baselineN}/${min.baseline} instance-windows)${signal === 'http_error_rate' ? `; a window counts with >= ${policy.judge.minRequestsPerSample} requests` : ''}`,
      },
    };
  }
  const alternative: Alternative = settings.direction === 'increase' ? 'greater' : settings.direction === 'decrease' ? 'less' : 'two-sided';
  const test = mannWhitney(samples.canary, samples.baseline, { alternative });
  const alpha = signalAlpha(policy, look, signalCount);
  const change = meanChange(samples.canary, samples.baseline);
  const allowed = settings.allowedIncrease ?? policy.judge.allowedIncrease;
  const delta = change.canaryMean - change.baselineMean;
  const worse =
    settings.direction === 'increase'
      ? change.relativeIncrease > allowed && delta > settings.minDelta
      : settings.direction === 'decrease'
        ? -change.relativeIncrease > allowed && -delta > settings.minDelta
        : Math.abs(change.relativeIncrease) > allowed && Math.abs(delta) > settings.minDelta;
  const significant = test.pValue <= alpha;
  const status: SignalStatus = significant && worse ? 'fail' : 'pass';
  // Medians, p95 and the Hodges-Lehmann shift explain a difference; for a signal that is fine they
  // are not worth their O(n log n) / O(n m) on every evaluation.
  const effect: EffectSize =
    (detail && significant) || status === 'fail' ? effectSize(samples.canary, samples.baseline) : { ...change, canaryMedian: NaN, baselineMedian: NaN, hlShift: NaN, canaryP95: NaN, baselineP95: NaN };
  const rel = Number.isFinite(effect.relativeIncrease) ? `${signed(effect.relativeIncrease * 100)}%` : 'from 0';
  const hl = Number.isNaN(effect.hlShift) ? '' : `, HL shift ${signed(effect.hlShift, 3)}`;
  const numbers = `canary ${fmt(effect.canaryMean)} vs baseline ${fmt(effect.baselineMean)} ${unit} (${rel}${hl}), Mann-Whitney p=${fmtP(test.pValue)} at look ${look} alpha=${fmtP(alpha)}, n=${canaryN}/${baselineN}`;
  let message: string;
  if (status === 'fail') message = `${signal} worse: ${numbers}; allowed increase ${Math.round(allowed * 100)}%`;
  else if (significant) message = `${signal} differs but within the allowed ${Math.round(allowed * 100)}% (or below ${settings.minDelta} ${unit}): ${numbers}`;
  else message = `${signal} ok: ${numbers}`;
  return {
    ...base,
    status,
    pValue: test.pValue,
    alpha,
    effect,
    significant,
    reason: {
      signal,
      severity: status === 'fail' ? 'fail' : 'info',
      message,
      canary: round(effect.canaryMean),
      baseline: round(effect.baselineMean),
      pValue: test.pValue,
      effectSize: Number.isFinite(effect.relativeIncrease) ? round(effect.relativeIncrease) : null,
      threshold: allowed,
      cause: status === 'fail' ? 'release' : undefined,
    },
  };
}

export function fmt(v: number, digits = 4): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const abs = Math.abs(v);
  return abs >= 1000 ? v.toFixed(0) : Number(v.toPrecision(digits)).toString();
}

export function fmtP(p: number): string {
  return p < 1e-4 ? p.toExponential(1) : Number(p.toPrecision(2)).toString();
}

function signed(v: number, digits = 3): string {
  return `${v >= 0 ? '+' : ''}${fmt(v, digits)}`;
}

export function round(v: number): number {
  return Number.isFinite(v) ? Number(v.toPrecision(6)) : v;
}
