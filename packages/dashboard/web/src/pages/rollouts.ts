import type { ActionItem, Page as ApiPage, RolloutItem } from '@rollwatch/contract';
import { formatAge, formatScore } from '../../../src/model/format.js';
import { actionSummary, applyVerdict, rowsFromList, type RolloutRow } from '../../../src/model/rollout-list.js';
import { ApiError, api, enc, verdictStream, type StreamState } from '../api.js';
import { decisionBadge, h, replace } from '../dom.js';
import { debounce, type Page } from './page.js';

const REFRESH_MS = 15_000;

/** Actions are optional (older detectors lack the route): the list still works without them. */
async function recentActions(): Promise<ActionItem[]> {
  try {
    return (await api<ApiPage<ActionItem>>('/api/v1/actions?size=500')).items;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return [];
    throw error;
  }
}

export function rolloutsPage(root: HTMLElement, setConnection: (s: StreamState) => void): Page {
  let rows: RolloutRow[] = [];
  let loaded = false;
  let error: string | null = null;
  const status = h('p', { class: 'muted', 'data-testid': 'status' }, 'loading…');
  const tbody = h('tbody');
  const table = h(
    'table',
    { class: 'grid', 'data-testid': 'rollouts' },
    h('thead', {}, h('tr', {}, ['Rollout', 'Service', 'Decision', 'Score', 'Age', 'Canary', 'Baseline', 'Last action', 'Evaluated'].map((c) => h('th', {}, c)))),
    tbody,
  );
  replace(root, h('section', {}, h('h1', {}, 'Rollouts'), status, table));

  const render = (): void => {
    const now = Date.now();
    status.textContent = error ?? (loaded && rows.length === 0 ? 'No rollouts yet: events from ingest create them.' : `${rows.length} rollout${rows.length === 1 ? '' : 's'}`);
    status.classList.toggle('error', error !== null);
    replace(
      tbody,
      rows.map((r) =>
        h(
          'tr',
          { 'data-testid': 'rollout-row', 'data-rollout': r.rollout, 'data-decision': r.decision, class: `row-${r.decision}` },
          h('td', {}, h('a', { href: `/rollouts/${enc(r.rollout)}`, 'data-link': true }, r.rollout)),
          h('td', {}, r.service ?? '—'),
          h('td', {}, decisionBadge(r.decision)),
          h('td', { class: 'num', 'data-testid': 'score' }, formatScore(r.score)),
          h('td', { class: 'num', title: r.firstEventAt ?? '' }, formatAge(r.firstEventAt, now)),
          h('td', { class: 'num', 'data-testid': 'canary-instances' }, r.instances ? r.instances.canary : '—'),
          h('td', { class: 'num', 'data-testid': 'baseline-instances' }, r.instances ? r.instances.baseline : '—'),
          h('td', { 'data-testid': 'last-action', title: r.lastAction?.reason ?? '' }, actionSummary(r.lastAction)),
          h('td', { class: 'num', title: r.evaluatedAt ?? '' }, r.evaluatedAt ? `${formatAge(r.evaluatedAt, now)} ago` : '—'),
        ),
      ),
    );
  };

  const refresh = async (): Promise<void> => {
    try {
      const [list, actions] = await Promise.all([api<{ items: RolloutItem[] }>('/api/v1/rollouts'), recentActions()]);
      rows = rowsFromList(list.items, actions, rows);
      loaded = true;
      error = null;
    } catch (e) {
      error = `Cannot load rollouts: ${(e as Error).message}`;
    }
    render();
  };
  const refreshSoon = debounce(() => void refresh(), 750);

  const stop = verdictStream(
    (verdict) => {
      rows = applyVerdict(rows, verdict);
      render();
      // Counts and the last action change with a verdict (alerts acts on it): fetch them shortly.
      refreshSoon();
    },
    setConnection,
  );
  void refresh();
  const poll = setInterval(() => void refresh(), REFRESH_MS);
  // Ages tick without any network traffic.
  const tick = setInterval(render, 1000);
  return {
    unmount() {
      stop();
      refreshSoon.cancel();
      clearInterval(poll);
      clearInterval(tick);
    },
  };
}
