// Fisher's exact test for a 2x2 table, used by environment attribution ("failures follow the
// kernel"). Two-sided p follows R's fisher.test: the sum of the probabilities of all tables (same
// margins) no more likely than the observed one, with a 1e-7 relative tolerance for float ties.

export type FisherAlternative = 'greater' | 'less' | 'two-sided';

/**
 * Table:           outcome yes  outcome no
 *   exposed             a            b
 *   not exposed         c            d
 * `greater`: the odds of "yes" are higher when exposed.
 */
export interface Table2x2 {
  a: number;
  b: number;
  c: number;
  d: number;
}

export interface FisherResult {
  pValue: number;
  /** Sample odds ratio (a*d)/(b*c); Infinity when b*c = 0 < a*d, NaN when both are 0. */
  oddsRatio: number;
}

export function fisherExact(table: Table2x2, alternative: FisherAlternative = 'two-sided'): FisherResult {
  const { a, b, c, d } = table;
  for (const [k, v] of Object.entries(table)) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`fisherExact: ${k} must be a non-negative integer`);
  }
  const row1 = a + b;
  const col1 = a + c;
  const total = a + b + c + d;
  const lo = Math.max(0, col1 - (total - row1));
  const hi = Math.min(row1, col1);
  // log P(X = x) for X ~ Hypergeometric(total, row1, col1).
  const logDenominator = logChoose(total, col1);
  const logP = (x: number): number => logChoose(row1, x) + logChoose(total - row1, col1 - x) - logDenominator;
  const probs: number[] = [];
  for (let x = lo; x <= hi; x++) probs.push(Math.exp(logP(x)));
  const at = (x: number): number => probs[x - lo] ?? 0;

  let p = 0;
  if (alternative === 'greater') {
    for (let x = a; x <= hi; x++) p += at(x);
  } else if (alternative === 'less') {
    for (let x = lo; x <= a; x++) p += at(x);
  } else {
    const observed = at(a) * (1 + 1e-7);
    for (let x = lo; x <= hi; x++) if (at(x) <= observed) p += at(x);
  }
  const num = a * d;
  const den = b * c;
  const oddsRatio = den === 0 ? (num === 0 ? Number.NaN : Infinity) : num / den;
  return { pValue: Math.min(1, p), oddsRatio };
}

const logFactorials: number[] = [0];

function logFactorial(n: number): number {
  for (let i = logFactorials.length; i <= n; i++) logFactorials.push(logFactorials[i - 1]! + Math.log(i));
  return logFactorials[n]!;
}

function logChoose(n: number, k: number): number {
  if (k < 0 || k > n) return -Infinity;
  return logFactorial(n) - logFactorial(k) - logFactorial(n - k);
}
