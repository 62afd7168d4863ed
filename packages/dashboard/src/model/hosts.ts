import type { AnomalyDocument, HostAttributeRow, Reason, TemplateTableRow } from '@rollwatch/contract';

export interface HostTableRow extends HostAttributeRow {
  /** Share of this value's canary instances that fail (0..1), null without canaries. */
  canaryFailingShare: number | null;
  /** Worth a look: failing canaries run on it, or it exists only on one side of the comparison. */
  suspicious: boolean;
  onlyOn: 'canary' | 'baseline' | null;
}

/**
 * The host-attribute table: which kernels, engines, storage drivers the failing instances run on.
 * Attributes with failing instances come first, so the environment-vs-release question is answered
 * at a glance.
 */
export function hostTable(rows: readonly HostAttributeRow[]): HostTableRow[] {
  const failingByAttribute = new Map<string, number>();
  for (const r of rows) failingByAttribute.set(r.attribute, (failingByAttribute.get(r.attribute) ?? 0) + r.failingCanary + r.failingBaseline);
  return rows
    .map((r) => {
      const onlyOn = r.canaryInstances > 0 && r.baselineInstances === 0 ? 'canary' : r.baselineInstances > 0 && r.canaryInstances === 0 ? 'baseline' : null;
      return {
        ...r,
        canaryFailingShare: r.canaryInstances > 0 ? r.failingCanary / r.canaryInstances : null,
        suspicious: r.failingCanary > 0 || r.failingBaseline > 0 || onlyOn !== null,
        onlyOn,
      } satisfies HostTableRow;
    })
    .sort(
      (a, b) =>
        (failingByAttribute.get(b.attribute) ?? 0) - (failingByAttribute.get(a.attribute) ?? 0) ||
        a.attribute.localeCompare(b.attribute) ||
        b.failingCanary + b.failingBaseline - (a.failingCanary + a.failingBaseline) ||
        a.value.localeCompare(b.value),
    );
}

export interface TemplateRow {
  template: string;
  example: string | null;
  message: string | null;
  /** Lines in the canary / baseline when the engine's counts are known. */
  canary: number | null;
  baseline: number | null;
}

/**
 * Log templates new (or much more frequent) in the canary: those the verdict's reasons and stored
 * anomalies name, plus the engine's templates seen only in the canary, with an example line each.
 */
export function newTemplates(reasons: readonly Reason[], anomalies: readonly AnomalyDocument[], engineRows: readonly TemplateTableRow[] = []): TemplateRow[] {
  const byTemplate = new Map<string, TemplateRow>();
  for (const source of [...reasons, ...anomalies]) {
    if (!source.template) continue;
    const seen = byTemplate.get(source.template);
    byTemplate.set(source.template, {
      template: source.template,
      example: seen?.example ?? source.example ?? null,
      message: seen?.message ?? source.message ?? null,
      canary: null,
      baseline: null,
    });
  }
  for (const row of engineRows) {
    const flagged = byTemplate.get(row.template);
    const isNew = row.newInCanary ?? (row.canary > 0 && row.baseline === 0);
    if (!flagged && !isNew) continue;
    byTemplate.set(row.template, {
      template: row.template,
      example: flagged?.example ?? row.example ?? null,
      message: flagged?.message ?? (isNew ? 'only in the canary' : null),
      canary: row.canary,
      baseline: row.baseline,
    });
  }
  return [...byTemplate.values()];
}
