// The deploy assets (Prometheus rules, Grafana dashboard, Kibana saved objects) are only useful if
// they parse and name things that exist: metrics the services really register, indices and fields
// core's index templates really create. A renamed metric or field fails here, not in production.
// promtool's own parse of the same files is in promtool.host.test.ts (it needs the Debian package).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { INDEX_TEMPLATES, INDICES, legacyIndexName } from '@rollwatch/core';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const RULES = path.join(ROOT, 'deploy/prometheus/rollwatch-rules.yml');
const GRAFANA = path.join(ROOT, 'deploy/grafana/dashboards/rollwatch.json');
const KIBANA = path.join(ROOT, 'deploy/kibana/rollwatch.ndjson');
/** Metrics from outside rollwatch that the assets may use (Prometheus itself, kafka-exporter). */
const EXTERNAL_METRICS = new Set(['up', 'kafka_consumergroup_lag']);
const HISTOGRAM_SUFFIXES = ['_bucket', '_sum', '_count'];
const PROMQL_WORDS = new Set(['sum', 'max', 'min', 'avg', 'by', 'without', 'rate', 'increase', 'delta', 'histogram_quantile', 'and', 'or', 'unless', 'on', 'ignoring', 'group_left', 'group_right', 'humanize', 'humanizeDuration', 'first', 'value', 'query', 'with', 'end']);

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (p.endsWith('.ts') && !p.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

/** Every `name: 'rollwatch_…'` the services and core register, plus prom-client's defaults. */
function registeredMetrics(): Set<string> {
  const names = new Set<string>();
  const dirs = [path.join(ROOT, 'packages/core/src'), ...readdirSync(path.join(ROOT, 'services')).map((s) => path.join(ROOT, 'services', s, 'src'))];
  for (const dir of dirs) {
    for (const file of walk(dir)) for (const m of readFileSync(file, 'utf8').matchAll(/name:\s*'(rollwatch_[a-z0-9_]+)'/g)) names.add(m[1]!);
  }
  // collectDefaultMetrics({ prefix: 'rollwatch_' }) in core's createRegistry.
  for (const d of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) names.add(`rollwatch_${d}`);
  return names;
}

/** Metric names used by a PromQL expression (label names/values, functions and keywords removed). */
function metricsIn(expr: string): string[] {
  const withoutLabels = expr.replace(/\{[^}]*\}/g, '').replace(/"[^"]*"/g, '').replace(/\[[^\]]*\]/g, '').replace(/\b(by|without|on|ignoring)\s*\([^)]*\)/g, '');
  return [...withoutLabels.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b/g)].map((m) => m[1]!).filter((w) => !PROMQL_WORDS.has(w) && !/^\d/.test(w));
}

function assertKnown(exprs: string[], where: string): void {
  const known = registeredMetrics();
  assert.ok(known.has('rollwatch_ingest_events_received_total') && known.has('rollwatch_alerts_dlq_depth'), 'metric discovery found the services');
  for (const expr of exprs) {
    for (const name of metricsIn(expr)) {
      const base = HISTOGRAM_SUFFIXES.reduce((n, s) => (n.endsWith(s) && known.has(n.slice(0, -s.length)) ? n.slice(0, -s.length) : n), name);
      assert.ok(known.has(base) || EXTERNAL_METRICS.has(base), `${where}: "${name}" in \`${expr}\` is not a metric rollwatch registers`);
    }
  }
}

test('the Prometheus alerting rules use real metric names', () => {
  const exprs = [...readFileSync(RULES, 'utf8').matchAll(/expr:\s*(\|\s*\n((?:\s{10,}.*\n)+)|(.+))/g)].map((m) => (m[2] ?? m[3] ?? '').trim());
  assert.ok(exprs.length >= 8, `found ${exprs.length} rule expressions`);
  assertKnown(exprs, 'rollwatch-rules.yml');
  const alerts = [...readFileSync(RULES, 'utf8').matchAll(/alert:\s*(\w+)/g)].map((m) => m[1]);
  for (const needed of ['RollwatchServiceDown', 'RollwatchSourceDisconnected', 'RollwatchConsumerLagGrowing', 'RollwatchDetectorDlqGrowing', 'RollwatchActionsDeadLettered']) {
    assert.ok(alerts.includes(needed), `rule ${needed} exists`);
  }
});

test('the Grafana dashboard parses, uses the provisioned datasource, and its PromQL uses real metric names', () => {
  const dashboard = JSON.parse(readFileSync(GRAFANA, 'utf8')) as { uid: string; panels: { type: string; title: string; datasource?: { uid: string }; targets?: { expr: string }[] }[] };
  assert.equal(dashboard.uid, 'rollwatch');
  const panels = dashboard.panels.filter((p) => p.type !== 'row');
  assert.ok(panels.length >= 10);
  const exprs: string[] = [];
  for (const p of panels) {
    assert.equal(p.datasource?.uid, 'prometheus', `panel "${p.title}" uses datasource uid prometheus`);
    assert.ok(p.targets?.length, `panel "${p.title}" has queries`);
    for (const t of p.targets!) exprs.push(t.expr);
  }
  assertKnown(exprs, 'rollwatch.json');
  for (const topic of ['rollwatch_ingest_events_received_total', 'rollwatch_detector_verdicts_total', 'rollwatch_alerts_action_latency_seconds_bucket', 'rollwatch_alerts_dlq_depth']) {
    assert.ok(exprs.some((e) => e.includes(topic)), `a panel shows ${topic}`);
  }
});

interface SavedObject {
  type: string;
  id: string;
  attributes: Record<string, unknown>;
  references: { name: string; type: string; id: string }[];
}

test('the Kibana saved objects parse, cover the three indices with real time fields and columns, and resolve every reference', () => {
  const objects = readFileSync(KIBANA, 'utf8').trim().split('\n').map((line, i) => {
    try {
      return JSON.parse(line) as SavedObject;
    } catch (error) {
      throw new Error(`rollwatch.ndjson line ${i + 1} is not JSON: ${(error as Error).message}`, { cause: error });
    }
  });
  const byKey = new Map(objects.map((o) => [`${o.type}:${o.id}`, o]));
  const fieldsOf = (pattern: string): Record<string, unknown> => {
    // A data view names the data stream first (then the read-only legacy index a migration leaves).
    const template = Object.entries(INDEX_TEMPLATES).find(([, t]) => t.index_patterns.includes(pattern.split(',')[0]!));
    assert.ok(template, `${pattern} matches one of core's index templates`);
    return (template[1].template as { mappings: { properties: Record<string, unknown> } }).mappings.properties;
  };
  const views = objects.filter((o) => o.type === 'index-pattern');
  assert.deepEqual(views.map((v) => v.attributes.title).sort(), [INDICES.actions, INDICES.anomalies, INDICES.events].map((ds) => `${ds},${legacyIndexName(ds)}`));
  for (const view of views) assert.ok(INDEX_TEMPLATES[String(view.attributes.title).split(',')[0]!]!.data_stream, `${String(view.attributes.title)} is a data stream`);
  for (const view of views) {
    const fields = fieldsOf(String(view.attributes.title));
    assert.equal((fields[String(view.attributes.timeFieldName)] as { type?: string } | undefined)?.type, 'date', `${String(view.attributes.title)}: time field is a mapped date`);
  }
  const searches = objects.filter((o) => o.type === 'search');
  assert.ok(searches.length >= 3);
  for (const search of searches) {
    const ref = search.references.find((r) => r.name === 'kibanaSavedObjectMeta.searchSourceJSON.index');
    const view = ref && byKey.get(`index-pattern:${ref.id}`);
    assert.ok(view, `search ${search.id} points at a data view in the file`);
    const fields = fieldsOf(String(view.attributes.title));
    for (const column of search.attributes.columns as string[]) assert.ok(column in fields, `search ${search.id}: column "${column}" is a mapped field`);
    const source = JSON.parse((search.attributes.kibanaSavedObjectMeta as { searchSourceJSON: string }).searchSourceJSON) as { indexRefName: string };
    assert.equal(source.indexRefName, ref.name);
  }
  const dashboards = objects.filter((o) => o.type === 'dashboard');
  assert.equal(dashboards.length, 1);
  const panels = JSON.parse(String(dashboards[0]!.attributes.panelsJSON)) as { panelRefName: string }[];
  assert.ok(panels.length >= 3);
  for (const panel of panels) {
    const ref = dashboards[0]!.references.find((r) => r.name === panel.panelRefName);
    assert.ok(ref && byKey.has(`${ref.type}:${ref.id}`), `dashboard panel ${panel.panelRefName} resolves`);
  }
});

test('the Kibana loader is valid sh and imports with overwrite and the kbn-xsrf header', () => {
  const script = path.join(ROOT, 'deploy/kibana/load-saved-objects.sh');
  execFileSync('sh', ['-n', script]);
  const text = readFileSync(script, 'utf8');
  assert.match(text, /_import\?overwrite=true/);
  assert.match(text, /kbn-xsrf: true/);
  assert.match(text, /api\/status/);
});
