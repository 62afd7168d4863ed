// promtool (Debian package `prometheus`) parses the deploy assets' PromQL exactly as Prometheus will.
// A `*.host.test.ts`: it needs a host tool, so `npm run test:unit` leaves it out and `npm test` (which
// provisions the tool first) runs it; a missing promtool fails here, never skips.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const RULES = path.join(ROOT, 'deploy/prometheus/rollwatch-rules.yml');
const GRAFANA = path.join(ROOT, 'deploy/grafana/dashboards/rollwatch.json');
const PROMTOOL = process.env.PROMTOOL ?? '/usr/bin/promtool';

function promtoolCheck(file: string): string {
  return execFileSync(PROMTOOL, ['check', 'rules', file], { encoding: 'utf8' });
}

test('the Prometheus alerting rules pass promtool', () => {
  assert.match(promtoolCheck(RULES), /SUCCESS: \d+ rules found/);
});

test("every Grafana panel query is valid PromQL for promtool (Grafana's $__rate_interval as 5m)", () => {
  const dashboard = JSON.parse(readFileSync(GRAFANA, 'utf8')) as { panels: { type: string; targets?: { expr: string }[] }[] };
  const exprs = dashboard.panels.filter((p) => p.type !== 'row').flatMap((p) => (p.targets ?? []).map((t) => t.expr));
  assert.ok(exprs.length >= 10, `found ${exprs.length} panel queries`);
  // promtool parses PromQL in rule files: check each panel query as a recording rule.
  const dir = mkdtempSync(path.join(tmpdir(), 'rollwatch-grafana-'));
  try {
    const file = path.join(dir, 'panels.yml');
    const rules = exprs.map((e, i) => `      - record: rollwatch:grafana_panel_${i}\n        expr: ${JSON.stringify(e.replaceAll('$__rate_interval', '5m'))}`).join('\n');
    writeFileSync(file, `groups:\n  - name: grafana-panels\n    rules:\n${rules}\n`);
    assert.match(promtoolCheck(file), new RegExp(`SUCCESS: ${exprs.length} rules found`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
