import type { ActionItem, AnomalyDocument, HostAttributeRow, Page as ApiPage, Reason, RolloutItem, SignalSeries, TemplateTableRow, VerdictBody } from '@rollwatch/contract';
import { failingSignals, orderSeries } from '../../../src/model/chart-data.js';
import { formatAge, formatNumber, formatScore, signalLabel } from '../../../src/model/format.js';
import { hostTable, newTemplates } from '../../../src/model/hosts.js';
import { ApiError, api, enc, verdictStream, type StreamState } from '../api.js';
import { signalChart, type SignalChart } from '../chart.js';
import { decisionBadge, h, replace } from '../dom.js';
import { overrideForm } from './override.js';
import { debounce, type Page } from './page.js';

const REFRESH_MS = 10_000;
const SEVERITY_RANK: Record<Reason['severity'], number> = { critical: 0, fail: 1, warn: 2, info: 3 };
type Detail = RolloutItem & { verdict: VerdictBody | null };

/** A section that can say "not available" instead of breaking the page (e.g. a remote replica's rollout). */
async function optional<T>(load: () => Promise<T>, fallback: T, onUnavailable: (message: string) => void): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (error instanceof ApiError && (error.status === 404 || error.status === 501)) {
      onUnavailable(error.message);
      return fallback;
    }
    throw error;
  }
}

function reasonItem(reason: Reason): HTMLElement {
  const numbers = [
    reason.canary !== undefined && reason.canary !== null ? `canary ${formatNumber(reason.canary)}` : null,
    reason.baseline !== undefined && reason.baseline !== null ? `baseline ${formatNumber(reason.baseline)}` : null,
    reason.threshold !== undefined && reason.threshold !== null ? `threshold ${formatNumber(reason.threshold)}` : null,
    reason.pValue !== undefined && reason.pValue !== null ? `p=${reason.pValue.toPrecision(2)}` : null,
  ].filter(Boolean);
  return h(
    'li',
    { class: `reason severity-${reason.severity}`, 'data-testid': 'reason', 'data-signal': reason.signal },
    h('span', { class: `badge severity-${reason.severity}` }, reason.severity),
    ' ',
    h('strong', {}, signalLabel(reason.signal)),
    ': ',
    reason.message,
    numbers.length ? h('span', { class: 'muted' }, ` (${numbers.join(', ')})`) : null,
    reason.cause === 'environment' && reason.attribute ? h('span', { class: 'badge env' }, ` environment: ${reason.attribute.name}=${reason.attribute.value}`) : null,
  );
}

export function detailPage(root: HTMLElement, rollout: string, setConnection: (s: StreamState) => void): Page {
  const header = h('div', { class: 'detail-header' });
  const reasons = h('ul', { class: 'reasons', 'data-testid': 'reasons' });
  const charts = h('div', { class: 'charts', 'data-testid': 'charts' });
  const templates = h('div', { 'data-testid': 'templates' });
  const hosts = h('div', { 'data-testid': 'hosts' });
  const actions = h('div', { 'data-testid': 'actions' });
  const status = h('p', { class: 'muted', 'data-testid': 'status' }, 'loading…');
  const chartsBySignal = new Map<string, SignalChart>();
  let verdict: VerdictBody | null = null;
  let summary: Detail | null = null;

  const refreshSoon = debounce(() => void refresh(), 500);
  const form = overrideForm(rollout, () => refreshSoon());
  replace(
    root,
    h('p', {}, h('a', { href: '/', 'data-link': true }, '← all rollouts'), ' · ', h('a', { href: `/events?rollout=${enc(rollout)}`, 'data-link': true }, 'events of this rollout')),
    header,
    status,
    h('section', { class: 'panel' }, h('h2', {}, 'Verdict'), reasons, form),
    h('section', { class: 'panel' }, h('h2', {}, 'Canary vs baseline'), charts),
    h('section', { class: 'panel' }, h('h2', {}, 'Log templates new in the canary'), templates),
    h('section', { class: 'panel' }, h('h2', {}, 'Host attributes'), hosts),
    h('section', { class: 'panel' }, h('h2', {}, 'Actions taken'), actions),
  );

  const renderHeader = (): void => {
    const decision = verdict?.decision ?? summary?.decision ?? 'pending';
    const score = verdict?.score ?? summary?.score ?? null;
    const instances = summary?.instances;
    replace(
      header,
      h('h1', {}, rollout, ' ', decisionBadge(decision)),
      h(
        'p',
        { class: 'facts' },
        `score ${formatScore(score)}`,
        summary?.service ? ` · service ${summary.service}` : '',
        instances ? ` · ${instances.canary} canary / ${instances.baseline} baseline instances` : '',
        verdict?.cause ? ` · cause: ${verdict.cause}` : '',
        verdict?.noGoAt ? ` · no-go since ${new Date(verdict.noGoAt).toLocaleString()}` : '',
        verdict?.evaluatedAt ? ` · evaluated ${formatAge(verdict.evaluatedAt, Date.now())} ago` : '',
      ),
    );
    const all = verdict?.reasons ?? [];
    const findings = all.filter((r) => r.severity !== 'info').sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity]);
    const passing = all.filter((r) => r.severity === 'info');
    replace(
      reasons,
      findings.length ? findings.map(reasonItem) : h('li', { class: 'muted' }, verdict ? 'No findings.' : 'No verdict yet.'),
      // Passing checks matter for "why go?", not for "why no-go?": folded away but one click off.
      passing.length ? h('li', {}, h('details', {}, h('summary', { class: 'muted' }, `${passing.length} passing check${passing.length === 1 ? '' : 's'}`), h('ul', { class: 'reasons' }, passing.map(reasonItem)))) : null,
    );
  };

  const renderCharts = (series: SignalSeries[]): void => {
    const failing = failingSignals(verdict?.reasons ?? []);
    const seen = new Set<string>();
    for (const s of orderSeries(series)) {
      seen.add(s.signal);
      const existing = chartsBySignal.get(s.signal);
      if (existing) existing.update(s, failing.has(s.signal));
      else chartsBySignal.set(s.signal, signalChart(s, failing.has(s.signal)));
    }
    for (const [signal, chart] of chartsBySignal) {
      if (!seen.has(signal)) {
        chart.destroy();
        chartsBySignal.delete(signal);
      }
    }
    // Re-appending existing nodes reorders without re-creating the canvases.
    replace(charts, chartsBySignal.size ? orderSeries(series).map((s) => chartsBySignal.get(s.signal)!.element) : h('p', { class: 'muted' }, 'No series yet.'));
  };

  const renderTemplates = (anomalies: AnomalyDocument[], engineRows: TemplateTableRow[]): void => {
    const rows = newTemplates(verdict?.reasons ?? [], anomalies, engineRows);
    replace(
      templates,
      rows.length === 0
        ? h('p', { class: 'muted' }, 'No new templates in the canary.')
        : h(
            'table',
            { class: 'grid' },
            h('thead', {}, h('tr', {}, ['Template', 'Example line', 'Canary', 'Baseline', 'Finding'].map((c) => h('th', {}, c)))),
            h(
              'tbody',
              {},
              rows.map((r) =>
                h(
                  'tr',
                  { 'data-testid': 'template-row' },
                  h('td', {}, h('code', {}, r.template)),
                  h('td', {}, h('code', { class: 'example' }, r.example ?? '—')),
                  h('td', { class: 'num' }, r.canary ?? '—'),
                  h('td', { class: 'num' }, r.baseline ?? '—'),
                  h('td', {}, r.message ?? ''),
                ),
              ),
            ),
          ),
    );
  };

  const renderHosts = (rows: HostAttributeRow[], warnings: string[]): void => {
    const table = hostTable(rows);
    replace(
      hosts,
      warnings.map((w) => h('p', { class: 'warning' }, w)),
      table.length === 0
        ? h('p', { class: 'muted' }, 'No host attributes reported (sources attach kernel, engine, storage driver…).')
        : h(
            'table',
            { class: 'grid' },
            h('thead', {}, h('tr', {}, ['Attribute', 'Value', 'Canary', 'failing', 'Baseline', 'failing'].map((c) => h('th', {}, c)))),
            h(
              'tbody',
              {},
              table.map((r) =>
                h(
                  'tr',
                  { class: r.suspicious ? 'suspicious' : '', 'data-testid': 'host-row', 'data-attribute': r.attribute, 'data-value': r.value },
                  h('td', {}, r.attribute),
                  h('td', {}, h('code', {}, r.value), r.onlyOn ? h('span', { class: 'badge env' }, ` only ${r.onlyOn}`) : null),
                  h('td', { class: 'num' }, r.canaryInstances),
                  h('td', { class: `num ${r.failingCanary ? 'bad' : ''}` }, r.failingCanary),
                  h('td', { class: 'num' }, r.baselineInstances),
                  h('td', { class: `num ${r.failingBaseline ? 'bad' : ''}` }, r.failingBaseline),
                ),
              ),
            ),
          ),
    );
  };

  const renderActions = (items: ActionItem[]): void => {
    replace(
      actions,
      items.length === 0
        ? h('p', { class: 'muted' }, 'No actions yet.')
        : h(
            'table',
            { class: 'grid' },
            h('thead', {}, h('tr', {}, ['When', 'Action', 'Target', 'Status', 'Attempts', 'By', 'Reason / error'].map((c) => h('th', {}, c)))),
            h(
              'tbody',
              {},
              items.map((a) =>
                h(
                  'tr',
                  { 'data-testid': 'action-row', 'data-kind': a.kind, 'data-status': a.status },
                  h('td', { title: a.at }, new Date(a.at).toLocaleTimeString()),
                  h('td', {}, a.kind, a.decision ? ` (${a.decision})` : ''),
                  h('td', {}, a.target),
                  h('td', {}, h('span', { class: `badge status-${a.status}` }, a.status), a.responseCode ? ` ${a.responseCode}` : ''),
                  h('td', { class: 'num' }, a.attempts ?? 0),
                  h('td', {}, a.by ?? '—'),
                  h('td', {}, a.error ? h('span', { class: 'bad' }, a.error) : (a.reason ?? '')),
                ),
              ),
            ),
          ),
    );
  };

  async function refresh(): Promise<void> {
    const base = `/api/v1/rollouts/${enc(rollout)}`;
    const notes: string[] = [];
    const note = (what: string) => (message: string) => notes.push(`${what}: ${message}`);
    try {
      summary = await api<Detail>(base);
      if (summary.verdict && (!verdict || summary.verdict.sequence >= verdict.sequence)) verdict = summary.verdict;
      const [series, hostRows, anomalies, actionItems, engineTemplates] = await Promise.all([
        optional(() => api<{ series: SignalSeries[] }>(`${base}/series`).then((r) => r.series), [], note('series')),
        optional(() => api<{ attributes: HostAttributeRow[]; warnings: string[] }>(`${base}/hosts`), { attributes: [], warnings: [] }, note('hosts')),
        optional(() => api<ApiPage<AnomalyDocument>>(`${base}/anomalies?size=200`).then((r) => r.items), [], note('anomalies')),
        optional(() => api<ApiPage<ActionItem>>(`${base}/actions?size=100`).then((r) => r.items), [], note('actions')),
        optional(() => api<{ templates: TemplateTableRow[] }>(`${base}/templates`).then((r) => r.templates), [], () => undefined),
      ]);
      renderHeader();
      renderCharts(series);
      renderTemplates(anomalies, engineTemplates);
      renderHosts(hostRows.attributes, hostRows.warnings);
      renderActions(actionItems);
      status.textContent = notes.join(' · ');
      status.classList.remove('error');
    } catch (error) {
      status.textContent = error instanceof ApiError && error.status === 404 ? `Unknown rollout "${rollout}".` : `Cannot load: ${(error as Error).message}`;
      status.classList.add('error');
    }
  }

  const stop = verdictStream(
    (v) => {
      if (v.rollout !== rollout || (verdict && v.sequence < verdict.sequence)) return;
      verdict = v;
      renderHeader();
      refreshSoon();
    },
    setConnection,
    rollout,
  );
  void refresh();
  const poll = setInterval(() => void refresh(), REFRESH_MS);
  return {
    unmount() {
      stop();
      refreshSoon.cancel();
      clearInterval(poll);
      for (const chart of chartsBySignal.values()) chart.destroy();
    },
  };
}
