// Baseline vs canary template diff. Pure: callers pass per-template counts for each group, mined
// with ONE miner (so template ids are shared between the groups), plus each group's exposure.
import { binomialLowerTail, binomialUpperTail } from "./stats.js";

export interface TemplateStat {
  template: string;
  count: number;
  example?: string;
  /** Distinct instance (pod/container) ids the template was seen on, when known. */
  instances?: readonly string[];
}

export interface GroupLogStats {
  /** Lines observed in the group. */
  totalLines: number;
  /** Exposure used for rates (e.g. seconds x instances); defaults to totalLines. */
  exposure?: number;
  templates: ReadonlyMap<string, TemplateStat> | Readonly<Record<string, TemplateStat>>;
}

export interface DiffOptions {
  /** A canary-only template must occur at least this often ... */
  minOccurrences: number;
  /** ... or on at least this many distinct instances (when instance ids are given). */
  minInstances: number;
  /** Significance level for the one-sided tests. */
  alpha: number;
  /** A "rose" template must also have canaryRate / baselineRate >= this. */
  minRateRatio: number;
}

export const DEFAULT_DIFF_OPTIONS: Readonly<DiffOptions> = Object.freeze({
  minOccurrences: 3,
  minInstances: 2,
  alpha: 0.01,
  minRateRatio: 2,
});

export const DIFF_TEST_NAME = "exact-conditional-binomial-one-sided";

export interface TemplateChange {
  templateId: string;
  template: string;
  baselineCount: number;
  canaryCount: number;
  /** Occurrences per unit of exposure (per line by default). */
  baselineRate: number;
  canaryRate: number;
  /** canaryRate / baselineRate; null when the baseline count is 0 (infinite). */
  rateRatio: number | null;
  test: string;
  /** One-sided: upper tail for new/rose, lower tail for gone. */
  pValue: number;
  significant: boolean;
  example: string;
  canaryInstances?: number;
}

export interface TemplateDiff {
  baseline: { lines: number; exposure: number; templates: number };
  canary: { lines: number; exposure: number; templates: number };
  options: DiffOptions;
  /** Seen in the canary, never in the baseline, often enough to matter. */
  newTemplates: TemplateChange[];
  /** Seen in both, canary rate significantly and materially higher. */
  rose: TemplateChange[];
  /** Common in the baseline, absent from the canary (significant flag tells if surprising). */
  gone: TemplateChange[];
}

function entries(t: GroupLogStats["templates"]): Map<string, TemplateStat> {
  return t instanceof Map ? new Map(t) : new Map(Object.entries(t as Record<string, TemplateStat>));
}

export function diffTemplates(
  baseline: GroupLogStats,
  canary: GroupLogStats,
  opts: Partial<DiffOptions> = {},
): TemplateDiff {
  const o: DiffOptions = { ...DEFAULT_DIFF_OPTIONS, ...opts };
  const base = entries(baseline.templates);
  const can = entries(canary.templates);
  const eB = baseline.exposure ?? baseline.totalLines;
  const eC = canary.exposure ?? canary.totalLines;
  // Expected canary share of a template's occurrences if its rate were the same in both groups.
  const share = eB + eC > 0 ? eC / (eB + eC) : 0;

  const change = (id: string, b: TemplateStat | undefined, c: TemplateStat | undefined, upper: boolean): TemplateChange => {
    const kB = b?.count ?? 0;
    const kC = c?.count ?? 0;
    const n = kB + kC;
    const pValue = upper ? binomialUpperTail(kC, n, share) : binomialLowerTail(kC, n, share);
    const baselineRate = eB > 0 ? kB / eB : 0;
    const canaryRate = eC > 0 ? kC / eC : 0;
    const out: TemplateChange = {
      templateId: id,
      template: c?.template ?? b?.template ?? "",
      baselineCount: kB,
      canaryCount: kC,
      baselineRate,
      canaryRate,
      rateRatio: kB > 0 ? canaryRate / baselineRate : null,
      test: DIFF_TEST_NAME,
      pValue,
      significant: pValue <= o.alpha,
      example: (upper ? c?.example ?? b?.example : b?.example ?? c?.example) ?? "",
    };
    if (c?.instances) out.canaryInstances = new Set(c.instances).size;
    return out;
  };

  const newTemplates: TemplateChange[] = [];
  const rose: TemplateChange[] = [];
  for (const [id, c] of can) {
    const b = base.get(id);
    if (c.count <= 0) continue;
    const ch = change(id, b, c, true);
    if (!b || b.count === 0) {
      const instancesOk = ch.canaryInstances !== undefined && ch.canaryInstances >= o.minInstances;
      if (c.count >= o.minOccurrences || instancesOk) newTemplates.push(ch);
    } else if (ch.significant && ch.rateRatio !== null && ch.rateRatio >= o.minRateRatio && c.count >= o.minOccurrences) {
      rose.push(ch);
    }
  }
  const gone: TemplateChange[] = [];
  for (const [id, b] of base) {
    const c = can.get(id);
    if ((c?.count ?? 0) === 0 && b.count >= o.minOccurrences) gone.push(change(id, b, c, false));
  }
  const byEvidence = (x: TemplateChange, y: TemplateChange): number =>
    x.pValue - y.pValue || y.canaryCount + y.baselineCount - (x.canaryCount + x.baselineCount) || (x.templateId < y.templateId ? -1 : 1);
  newTemplates.sort(byEvidence);
  rose.sort(byEvidence);
  gone.sort(byEvidence);
  return {
    baseline: { lines: baseline.totalLines, exposure: eB, templates: base.size },
    canary: { lines: canary.totalLines, exposure: eC, templates: can.size },
    options: o,
    newTemplates,
    rose,
    gone,
  };
}
