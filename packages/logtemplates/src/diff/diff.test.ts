import { test } from "node:test";
import assert from "node:assert/strict";
import { diffTemplates, DIFF_TEST_NAME, type TemplateStat } from "./diff.js";
import { binomialLowerTail, binomialUpperTail } from "./stats.js";

/** Direct summation of the binomial pmf in log space, as a reference for small n. */
function upperExact(k: number, n: number, p: number): number {
  const lf = [0];
  for (let i = 1; i <= n; i++) lf.push((lf[i - 1] as number) + Math.log(i));
  let s = 0;
  for (let i = k; i <= n; i++) s += Math.exp((lf[n] as number) - (lf[i] as number) - (lf[n - i] as number) + i * Math.log(p) + (n - i) * Math.log1p(-p));
  return s;
}

test("stats: binomial tails match direct summation", () => {
  for (const [k, n, p] of [[3, 10, 0.2], [0, 5, 0.5], [7, 7, 0.3], [15, 40, 0.1], [1, 1, 0.25]] as const) {
    assert.ok(Math.abs(binomialUpperTail(k, n, p) - upperExact(k, n, p)) < 1e-9, `upper ${k},${n},${p}`);
    assert.ok(Math.abs(binomialLowerTail(k, n, p) - (1 - upperExact(k + 1, n, p))) < 1e-9, `lower ${k},${n},${p}`);
  }
  assert.ok(Math.abs(binomialLowerTail(0, 10, 0.5) - 0.5 ** 10) < 1e-15);
  const tiny = binomialUpperTail(200, 200, 0.1); // 1e-200: tiny but not underflowed to 0
  assert.ok(Math.abs(Math.log10(tiny) + 200) < 1e-6);
});

const group = (lines: number, t: Record<string, [string, number]>): { totalLines: number; templates: Record<string, TemplateStat> } => ({
  totalLines: lines,
  templates: Object.fromEntries(Object.entries(t).map(([id, [template, count]]) => [id, { template, count, example: `${template} example` }])),
});

test("diff: new, rose and gone templates with p-values", () => {
  const baseline = group(10_000, { a: ["steady <*>", 1000], b: ["timeout <*>", 10], g: ["cache warm <*>", 50] });
  const canary = group(1_000, { a: ["steady <*>", 100], b: ["timeout <*>", 20], n: ["panic <*>", 5] });
  const d = diffTemplates(baseline, canary);
  assert.deepEqual(d.newTemplates.map((c) => c.templateId), ["n"]);
  assert.deepEqual(d.rose.map((c) => c.templateId), ["b"]);
  assert.deepEqual(d.gone.map((c) => c.templateId), ["g"]);
  const n = d.newTemplates[0]!;
  assert.equal(n.rateRatio, null);
  assert.equal(n.test, DIFF_TEST_NAME);
  // All 5 occurrences in the canary, whose share of lines is 1/11.
  assert.ok(Math.abs(n.pValue - (1 / 11) ** 5) < 1e-12);
  assert.equal(n.example, "panic <*> example");
  const b = d.rose[0]!;
  assert.ok(Math.abs((b.rateRatio ?? 0) - 20) < 1e-9);
  assert.ok(b.pValue < 1e-10);
  const g = d.gone[0]!;
  assert.ok(Math.abs(g.pValue - (10 / 11) ** 50) < 1e-12);
  assert.equal(g.significant, true);
});

test("diff: small or unremarkable differences are not reported", () => {
  const baseline = group(10_000, { a: ["a <*>", 100], r: ["rare <*>", 2] });
  // a: 1.5x rate, significant-ish but below the 2x ratio; n2: only 2 occurrences; r: too rare to be "gone".
  const canary = group(10_000, { a: ["a <*>", 150], n2: ["new <*>", 2] });
  const d = diffTemplates(baseline, canary);
  assert.equal(d.rose.length, 0);
  assert.equal(d.newTemplates.length, 0);
  assert.equal(d.gone.length, 0);
  assert.equal(diffTemplates(baseline, canary, { minOccurrences: 2 }).newTemplates.length, 1);
});

test("diff: a canary-only template seen on enough instances counts as new even if rare", () => {
  const baseline = { totalLines: 100, templates: new Map<string, TemplateStat>() };
  const canary = { totalLines: 100, templates: new Map<string, TemplateStat>([["x", { template: "oops", count: 2, instances: ["pod-a", "pod-b", "pod-a"] }]]) };
  const d = diffTemplates(baseline, canary);
  assert.equal(d.newTemplates.length, 1);
  assert.equal(d.newTemplates[0]?.canaryInstances, 2);
  assert.equal(diffTemplates(baseline, canary, { minInstances: 3 }).newTemplates.length, 0);
});

test("diff: exposure (e.g. observation time) replaces line counts when given", () => {
  const baseline = { totalLines: 1000, exposure: 600, templates: { t: { template: "t", count: 10 } } };
  const canary = { totalLines: 1000, exposure: 60, templates: { t: { template: "t", count: 10 } } };
  const d = diffTemplates(baseline, canary);
  assert.equal(d.rose.length, 1);
  assert.ok(Math.abs((d.rose[0]?.rateRatio ?? 0) - 10) < 1e-9);
});
