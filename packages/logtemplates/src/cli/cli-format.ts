// Human-readable renderings for the CLI (pure string building; the JSON modes bypass these).
import type { TemplateChange, TemplateDiff } from "../diff/diff.js";
import { forTerminal } from "./terminal.js";

export interface TableRow {
  id: string;
  template: string;
  count: number;
  firstExample: string;
}

// Log text is untrusted: escape sequences are stripped before anything reaches a terminal.
const clip = (s: string, n: number): string => {
  const t = forTerminal(s);
  return t.length > n ? `${t.slice(0, n - 1)}…` : t;
};

/** Count / id / template, then the first example indented below; rows sorted by count desc. */
export function formatTemplateTable(rows: readonly TableRow[]): string {
  const sorted = [...rows].sort((a, b) => b.count - a.count);
  const countW = sorted.reduce((w, r) => Math.max(w, String(r.count).length), 5);
  const idW = sorted.reduce((w, r) => Math.max(w, r.id.length), 11);
  const lines = [`${"COUNT".padStart(countW)}  ${"TEMPLATE ID".padEnd(idW)}  TEMPLATE`];
  for (const r of sorted) {
    lines.push(`${String(r.count).padStart(countW)}  ${r.id.padEnd(idW)}  ${forTerminal(r.template)}`);
    lines.push(`${" ".repeat(countW + idW + 4)}e.g. ${clip(r.firstExample, 160)}`);
  }
  return lines.join("\n") + "\n";
}

const fmtP = (p: number): string => (p === 0 ? "<1e-300" : p < 1e-4 ? p.toExponential(2) : p.toPrecision(3));
const fmtRate = (r: number): string => (r === 0 ? "0" : r.toPrecision(3));

function section(title: string, items: readonly TemplateChange[], ratio: boolean): string[] {
  const out = [`${title} (${items.length})`];
  for (const c of items) {
    const rr = ratio && c.rateRatio !== null ? ` ratio=${c.rateRatio.toFixed(2)}` : "";
    out.push(
      `  baseline=${c.baselineCount} canary=${c.canaryCount} rate ${fmtRate(c.baselineRate)} -> ${fmtRate(c.canaryRate)}${rr} p=${fmtP(c.pValue)}${c.significant ? "" : " (not significant)"}  [${c.templateId}]`,
      `    ${forTerminal(c.template)}`,
      `    e.g. ${clip(c.example, 160)}`,
    );
  }
  return out;
}

export function formatDiff(d: TemplateDiff): string {
  const lines = [
    `baseline: ${d.baseline.lines} lines, ${d.baseline.templates} templates; canary: ${d.canary.lines} lines, ${d.canary.templates} templates`,
    `test: one-sided exact conditional binomial (canary share of a template's occurrences vs canary share of lines), alpha=${d.options.alpha}, min rate ratio=${d.options.minRateRatio}, min occurrences=${d.options.minOccurrences}`,
    "",
    ...section("NEW in canary", d.newTemplates, false),
    "",
    ...section("ROSE in canary", d.rose, true),
    "",
    ...section("GONE from canary", d.gone, false),
  ];
  return lines.join("\n") + "\n";
}
