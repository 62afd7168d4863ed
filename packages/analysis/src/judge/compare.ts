// The comparative judge for one signal at one look. Each signal gets an always-valid sequential
// test (its share of judge.alpha, Bonferroni over signals, nothing spent per look):
//   - count and ratio signals (errors, error/fatal lines, restarts, exits, failed probes): the
//     canary's count vs the baseline's given their exposure, a mixture rate-ratio e-process
//     (stats/rate-ratio.ts) against "canary rate <= (1 + allowed) x baseline rate";
//   - continuous signals (latency, CPU, custom metrics): a mixture SPRT on per-window log-value
//     differences with a random instance offset (stats/log-shift.ts) against "canary <= baseline
//     x (1 + allowed)".
// A signal fails when its test rejects AND the difference is material: above the allowed ratio
// and, for counts, at least MIN_EXCESS_EVENTS events (dispersion-adjusted) above what the allowed
// ratio explains, so a floor that scales with the baseline's rate and the exposure, never a fixed
// "1 line/min". A rejection is final at any sample size; a pass needs judge.minSamples.
import type { Reason } from '@rollwatch/core';
import type { Policy, SignalSettings } from '../policy/schema.js';
import { shiftTest } from '../stats/log-shift.js';
import { robustRateRatioTest, type RateWindow } from '../stats/rate-ratio.js';
import type { ContinuousInputs, RateInputs, SignalInputs } from './cells.js';

export type SignalStatus = 'pass' | 'fail' | 'pending' | 'absent';

export interface SignalEffect {
  canaryMean: number;
  baselineMean: number;
  /** Canary relative to baseline: +0.25 = 25% worse for an "increase is bad" signal. */
  relativeIncrease: number;
}

export interface SignalJudgement {
  signal: string;
  status: SignalStatus;
  canaryN: number;
  baselineN: number;
  /** Always-valid p-value of the signal's sequential test. */
  pValue: number | null;
  /** The signal's alpha (its Bonferroni share; the same at every look). */
  alpha: number | null;
  effect: SignalEffect | null;
  /** The sequential test rejected (whatever the size of the difference). */
  significant: boolean;
  /** A failure that decides no-go even when the signal is not mustPass (a new error template). */
  blocking?: boolean;
  /** Event time at which a blocking failure's evidence was complete. */
  completedAt?: number;
  reason: Reason;
}

/**
 * A count excess smaller than this many events beyond the allowed ratio never fails: the same
 * "a handful is not a pattern" notion as logTemplates.minNewCount. Multiplied by the dispersion, so
 * a burst of lines counts as one event.
 */
export const MIN_EXCESS_EVENTS = 3;

/** Alpha of one signal: its Bonferroni share of the rollout's budget, valid for unlimited looks. */
export function signalAlpha(policy: Policy, signals: number): number {
  return policy.judge.alpha / Math.max(1, signals);
}

export function compareSignal(signal: string, settings: SignalSettings, inputs: SignalInputs, signalCount: number, policy: Policy): SignalJudgement {
  const canaryN = inputs.judged.canary;
  const baselineN = inputs.judged.baseline;
  const empty = inputs.kind === 'rate' ? inputs.cells.length === 0 : inputs.cells.length === 0;
  if (!inputs.present && empty) {
    return judgement(signal, canaryN, baselineN, 'absent', null, null, null, false, { signal, severity: 'info', message: `${signal}: no data` });
  }
  const alpha = signalAlpha(policy, signalCount);
  const allowed = settings.allowedIncrease ?? policy.judge.allowedIncrease;
  const verdict = inputs.kind === 'rate' ? judgeRate(signal, settings, inputs, alpha, allowed) : judgeContinuous(signal, settings, inputs, alpha, allowed);
  const min = policy.judge.minSamples;
  if (!verdict.fail && (canaryN < min.canary || baselineN < min.baseline)) {
    return judgement(signal, canaryN, baselineN, 'pending', null, null, null, false, {
      signal,
      severity: 'info',
      message: `${signal}: too few samples (canary ${canaryN}/${min.canary}, baseline ${baselineN}/${min.baseline} instance-windows)${signal === 'http_error_rate' ? `; a window counts with >= ${policy.judge.minRequestsPerSample} requests` : ''}`,
    });
  }
  const status: SignalStatus = verdict.fail ? 'fail' : 'pass';
  const message = verdict.fail ? `${signal} worse: ${verdict.numbers()}; allowed increase ${Math.round(allowed * 100)}%` : `${signal} ok: ${verdict.numbers()}`;
  const e = verdict.effect;
  return judgement(signal, canaryN, baselineN, status, verdict.pValue, alpha, e, verdict.significant, {
    signal,
    severity: status === 'fail' ? 'fail' : 'info',
    message,
    canary: round(e.canaryMean),
    baseline: round(e.baselineMean),
    pValue: verdict.pValue,
    effectSize: Number.isFinite(e.relativeIncrease) ? round(e.relativeIncrease) : null,
    threshold: allowed,
    cause: status === 'fail' ? 'release' : undefined,
  });
}

/**
 * One literal, fields in the order the object spreads it replaced gave them: every look builds one
 * per signal, and spreading a shared base was a visible share of compareSignal's own time.
 */
function judgement(
  signal: string,
  canaryN: number,
  baselineN: number,
  status: SignalStatus,
  pValue: number | null,
  alpha: number | null,
  effect: SignalEffect | null,
  significant: boolean,
  reason: Reason,
): SignalJudgement {
  return { signal, canaryN, baselineN, pValue, alpha, effect, significant, status, reason };
}

interface Verdict {
  fail: boolean;
  significant: boolean;
  pValue: number;
  effect: SignalEffect;
  /** The numbers for the reason, formatted only when a reason uses them (not while pending). */
  numbers: () => string;
}

const EXPOSURE_LABEL = { requests: 'requests', lines: 'lines below error level', probes: 'probes', 'instance-minutes': 'instance-minutes' } as const;

function judgeRate(signal: string, settings: SignalSettings, inputs: RateInputs, alpha: number, allowed: number): Verdict {
  const r = 1 + allowed;
  const sides: ('increase' | 'decrease')[] = settings.direction === 'both' ? ['increase', 'decrease'] : [settings.direction];
  const sideAlpha = alpha / sides.length;
  let best = { p: 1, significant: false, material: false };
  const upRobust = robustRateRatioTest(inputs.windows, inputs.cells, r);
  const up = upRobust.test;
  let phi = upRobust.dispersion;
  for (const side of sides) {
    const robust = side === 'increase' ? upRobust : robustRateRatioTest(inputs.windows.map(swap), inputs.cells.map((c) => ({ ...c, canary: !c.canary })), r);
    const t = robust.test;
    const significant = robust.maxLogEvidence >= Math.log(1 / sideAlpha);
    // Events beyond what the allowed ratio explains, in dispersion-adjusted units.
    const expected = t.baselineExposure > 0 ? (r * t.baseline * t.canaryExposure) / t.baselineExposure : 0;
    const material = t.canary - expected >= MIN_EXCESS_EVENTS * robust.dispersion;
    const p = Math.min(1, Math.exp(-robust.maxLogEvidence));
    if (p < best.p || (significant && material)) {
      best = { p, significant, material };
      phi = robust.dispersion;
    }
  }
  const perMinute = inputs.exposure !== 'requests';
  const canaryMean = perMinute ? safeDiv(up.canary, inputs.minutes.canary) : safeDiv(up.canary, up.canaryExposure);
  const baselineMean = perMinute ? safeDiv(up.baseline, inputs.minutes.baseline) : safeDiv(up.baseline, up.baselineExposure);
  const relativeIncrease = Number.isNaN(up.ratio) ? 0 : up.ratio - 1;
  const delta = canaryMean - baselineMean;
  const bigEnough = settings.direction === 'increase' ? delta > settings.minDelta : settings.direction === 'decrease' ? -delta > settings.minDelta : Math.abs(delta) > settings.minDelta;
  const fail = best.significant && best.material && bigEnough;
  const numbers = (): string => {
    const label = EXPOSURE_LABEL[inputs.exposure];
    const fraction = (c: number, e: number): string => (inputs.exposure === 'instance-minutes' ? `${fmt(c)} in ${fmt(e)} ${label}` : `${fmt(c)}/${fmt(e)} ${label} (${fmt(e > 0 ? (100 * c) / e : 0, 3)}%)`);
    const rel = Number.isFinite(relativeIncrease) ? `x${fmt(relativeIncrease + 1, 3)}` : 'from 0';
    return (
      `canary ${fmt(canaryMean)} vs baseline ${fmt(baselineMean)} ${settings.unit}; ${inputs.def.noun} ${fraction(up.canary, up.canaryExposure)} vs ${fraction(up.baseline, up.baselineExposure)}, rate ratio ${rel}` +
      `${phi > 1 ? ` (dispersion ${fmt(phi, 3)})` : ''}, always-valid p=${fmtP(best.p)} alpha=${fmtP(alpha)}, n=${inputs.judged.canary}/${inputs.judged.baseline}`
    );
  };
  return { fail, significant: best.significant, pValue: best.p, effect: { canaryMean, baselineMean, relativeIncrease }, numbers };
}

function judgeContinuous(signal: string, settings: SignalSettings, inputs: ContinuousInputs, alpha: number, allowed: number): Verdict {
  const canaryMean = safeDiv(inputs.sums.canary, inputs.judged.canary);
  const baselineMean = safeDiv(inputs.sums.baseline, inputs.judged.baseline);
  // Log-values when the signal is positive (latency, CPU): the shift is a ratio and the margin
  // log(1 + allowed); otherwise the raw values with the margin allowed x |baseline mean|.
  const logScale = inputs.cells.length > 0 && inputs.cells.every((c) => c.value > 0);
  const margin = logScale ? Math.log1p(allowed) : allowed * Math.abs(baselineMean);
  const sides: ('increase' | 'decrease')[] = settings.direction === 'both' ? ['increase', 'decrease'] : [settings.direction];
  const sideAlpha = alpha / sides.length;
  let p = 1;
  let significant = false;
  let shift = NaN;
  let windows = 0;
  for (const side of sides) {
    const sign = side === 'increase' ? 1 : -1;
    // A literal, not a spread: one per cell per side per look (same fields, same order).
    const cells = inputs.cells.map((c) => ({ window: c.window, instance: c.instance, canary: c.canary, value: sign * (logScale ? Math.log(c.value) : c.value) }));
    const t = shiftTest(cells, { margin });
    if (!t) continue;
    if (side === sides[0]) {
      shift = sign * t.shift;
      windows = t.windows;
    }
    if (t.pValue < p) p = t.pValue;
    if (t.logEvidence >= Math.log(1 / sideAlpha)) significant = true;
  }
  const relativeIncrease = Number.isNaN(shift) ? safeDiv(canaryMean - baselineMean, Math.abs(baselineMean)) : logScale ? Math.expm1(shift) : safeDiv(shift, Math.abs(baselineMean));
  const delta = canaryMean - baselineMean;
  const bigEnough = settings.direction === 'increase' ? delta > settings.minDelta : settings.direction === 'decrease' ? -delta > settings.minDelta : Math.abs(delta) > settings.minDelta;
  const fail = significant && bigEnough;
  const numbers = (): string => {
    const rel = Number.isFinite(relativeIncrease) ? `${relativeIncrease >= 0 ? '+' : ''}${fmt(relativeIncrease * 100, 3)}%` : 'from 0';
    return `canary ${fmt(canaryMean)} vs baseline ${fmt(baselineMean)} ${settings.unit} (${rel} per window over ${windows} window(s)), mixture SPRT always-valid p=${fmtP(p)} alpha=${fmtP(alpha)}, n=${inputs.judged.canary}/${inputs.judged.baseline}`;
  };
  return { fail, significant, pValue: p, effect: { canaryMean, baselineMean, relativeIncrease }, numbers };
}

function swap(w: RateWindow): RateWindow {
  return { canary: w.baseline, baseline: w.canary, canaryExposure: w.baselineExposure, baselineExposure: w.canaryExposure };
}

function safeDiv(a: number, b: number): number {
  return b > 0 ? a / b : a > 0 ? Infinity : 0;
}

export function fmt(v: number, digits = 4): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const abs = Math.abs(v);
  if (abs >= 1000) return v.toFixed(0);
  // An integer below 1000 has at most 3 significant digits: toPrecision keeps it as it is. Counts
  // are most of what reasons print, and every look formats them.
  if (digits >= 3 && Number.isInteger(v)) return String(v);
  return Number(v.toPrecision(digits)).toString();
}

export function fmtP(p: number): string {
  return p < 1e-4 ? p.toExponential(1) : Number(p.toPrecision(2)).toString();
}

export function round(v: number): number {
  return Number.isFinite(v) ? Number(v.toPrecision(6)) : v;
}
