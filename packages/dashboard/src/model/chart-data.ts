import type { Reason, SignalSeries } from '@rollwatch/contract';

/** Signals an SRE reads first, in this order; anything else follows alphabetically. */
export const SIGNAL_ORDER: readonly string[] = [
  'restarts',
  'oom_kills',
  'health_check_failures',
  'nonzero_exits',
  'error_log_rate',
  'fatal_log_rate',
  'http_error_rate',
  'latency',
  'cpu_ratio',
];

export function orderSeries(series: readonly SignalSeries[]): SignalSeries[] {
  const rank = (s: string): number => {
    const i = SIGNAL_ORDER.indexOf(s);
    return i === -1 ? SIGNAL_ORDER.length : i;
  };
  return [...series].sort((a, b) => rank(a.signal) - rank(b.signal) || a.signal.localeCompare(b.signal));
}

/** Column-oriented data as uPlot wants it: x in epoch seconds, one array per line, null = gap. */
export interface PlotData {
  x: number[];
  canary: (number | null)[];
  baseline: (number | null)[];
  /** A flat line at the signal's absolute threshold, or null when it has none. */
  threshold: (number | null)[] | null;
}

export function toPlotData(series: SignalSeries): PlotData {
  // Points arrive per window; sort and merge duplicates so uPlot's x stays strictly increasing.
  const byTime = new Map<number, { canary: number | null; baseline: number | null }>();
  for (const p of series.points) {
    if (!Number.isFinite(p.t)) continue;
    const seen = byTime.get(p.t);
    byTime.set(p.t, { canary: p.canary ?? seen?.canary ?? null, baseline: p.baseline ?? seen?.baseline ?? null });
  }
  const times = [...byTime.keys()].sort((a, b) => a - b);
  const threshold = typeof series.threshold === 'number' && Number.isFinite(series.threshold) ? series.threshold : null;
  return {
    x: times.map((t) => t / 1000),
    canary: times.map((t) => finiteOrNull(byTime.get(t)!.canary)),
    baseline: times.map((t) => finiteOrNull(byTime.get(t)!.baseline)),
    threshold: threshold === null ? null : times.map(() => threshold),
  };
}

function finiteOrNull(v: number | null): number | null {
  return v !== null && Number.isFinite(v) ? v : null;
}

/** How many windows carry data per group (exposed as data attributes for tests and a11y text). */
export function pointCounts(data: PlotData): { canary: number; baseline: number } {
  return { canary: data.canary.filter((v) => v !== null).length, baseline: data.baseline.filter((v) => v !== null).length };
}

/** Critical rules named after what they watch rather than a charted signal. */
const CHART_FOR_RULE: Readonly<Record<string, string>> = { crash_loop: 'restarts', 'crash loop': 'restarts', nonzero_exit_count: 'nonzero_exits' };

/** Signals a reason marks as failing, so their charts can be highlighted. */
export function failingSignals(reasons: readonly Reason[]): Set<string> {
  return new Set(reasons.filter((r) => r.severity === 'critical' || r.severity === 'fail').map((r) => CHART_FOR_RULE[r.signal] ?? r.signal));
}
