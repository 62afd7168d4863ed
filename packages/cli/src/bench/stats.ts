// Pure helpers for the benchmark report: percentiles, summaries, confusion-matrix metrics, ratios.
// Kept free of I/O so the numbers the report prints are unit-tested on hand-made inputs.

/** Linear-interpolated percentile (the "type 7" definition numpy and Excel use); NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile: p must be in [0, 100], got ${p}`);
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  return a + (b - a) * (rank - lo);
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

export function mean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

export interface Distribution {
  n: number;
  min: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
  mean: number | null;
}

/** JSON-safe summary (null instead of NaN when there are no values). */
export function distribution(values: readonly number[], digits = 1): Distribution {
  const r = (v: number): number | null => (Number.isFinite(v) ? round(v, digits) : null);
  return {
    n: values.length,
    min: r(values.length ? values.reduce((a, b) => Math.min(a, b), Infinity) : Number.NaN),
    p50: r(percentile(values, 50)),
    p95: r(percentile(values, 95)),
    p99: r(percentile(values, 99)),
    max: r(values.length ? values.reduce((a, b) => Math.max(a, b), -Infinity) : Number.NaN),
    mean: r(mean(values)),
  };
}

export interface Confusion {
  /** Bad rollouts flagged. */
  tp: number;
  /** Good rollouts flagged. */
  fp: number;
  /** Good rollouts passed. */
  tn: number;
  /** Bad rollouts passed. */
  fn: number;
}

export interface DetectionMetrics extends Confusion {
  /** tp / (tp + fp); null when nothing was flagged. */
  precision: number | null;
  /** tp / (tp + fn) (true-positive rate); null without bad rollouts. */
  recall: number | null;
  /** fp / (fp + tn); null without good rollouts. */
  falsePositiveRate: number | null;
  /** Harmonic mean of precision and recall; null when either is null or both are 0. */
  f1: number | null;
  accuracy: number | null;
}

const ratioOrNull = (num: number, den: number): number | null => (den > 0 ? num / den : null);

export function detectionMetrics(c: Confusion): DetectionMetrics {
  for (const [k, v] of Object.entries(c)) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`detectionMetrics: ${k} must be a non-negative integer, got ${v}`);
  }
  const precision = ratioOrNull(c.tp, c.tp + c.fp);
  const recall = ratioOrNull(c.tp, c.tp + c.fn);
  const f1 = precision !== null && recall !== null && precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : null;
  return {
    ...c,
    precision,
    recall,
    falsePositiveRate: ratioOrNull(c.fp, c.fp + c.tn),
    f1,
    accuracy: ratioOrNull(c.tp + c.tn, c.tp + c.tn + c.fp + c.fn),
  };
}

/** Tallies labelled outcomes (`bad` = the truth, `flagged` = the detector's answer). */
export function confusionOf(outcomes: Iterable<{ bad: boolean; flagged: boolean }>): Confusion {
  const c: Confusion = { tp: 0, fp: 0, tn: 0, fn: 0 };
  for (const o of outcomes) {
    if (o.bad && o.flagged) c.tp++;
    else if (o.bad) c.fn++;
    else if (o.flagged) c.fp++;
    else c.tn++;
  }
  return c;
}

/** `value / baseline`, null when either is missing or the baseline is 0. */
export function ratio(value: number | null | undefined, baseline: number | null | undefined, digits = 3): number | null {
  if (value === null || value === undefined || baseline === null || baseline === undefined) return null;
  if (!Number.isFinite(value) || !Number.isFinite(baseline) || baseline === 0) return null;
  return round(value / baseline, digits);
}

export function round(v: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
