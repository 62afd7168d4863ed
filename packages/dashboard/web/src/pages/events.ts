import type { EventItem, Page as ApiPage } from '@rollwatch/contract';
import { EVENT_GROUP_OPTIONS, EVENT_TYPE_OPTIONS, PAGE_SIZES, pageInfo, parseFilters, toQueryString, type EventFilters } from '../../../src/model/events-query.js';
import { formatNumber } from '../../../src/model/format.js';
import { api, enc } from '../api.js';
import { h, replace } from '../dom.js';
import type { Navigate, Page } from './page.js';

function select(name: string, options: readonly (string | number)[], value: string | number | undefined, anyLabel?: string): HTMLSelectElement {
  return h(
    'select',
    { name, 'data-testid': `filter-${name}` },
    anyLabel !== undefined ? h('option', { value: '' }, anyLabel) : null,
    options.map((o) => h('option', { value: String(o), selected: String(o) === String(value ?? '') }, String(o))),
  );
}

function detailOf(e: EventItem): string {
  if (e.type === 'metric') return `${e.metric ?? 'metric'} = ${formatNumber(e.value)}`;
  if (e.type === 'container_exit' && e.exitCode !== undefined) return `exit code ${e.exitCode}${e.message ? `: ${e.message}` : ''}`;
  return e.message ?? '';
}

/** Searchable, filterable, paginated view of the events index; the filters live in the URL. */
export function eventsPage(root: HTMLElement, search: string, navigate: Navigate): Page {
  const filters = parseFilters(search);
  const text = (name: 'rollout' | 'host' | 'q', placeholder: string) => h('input', { name, placeholder, value: filters[name] ?? '', 'data-testid': `filter-${name}` });
  const form = h(
    'form',
    { class: 'filters', 'data-testid': 'event-filters' },
    text('q', 'search messages'),
    text('rollout', 'rollout'),
    select('group', EVENT_GROUP_OPTIONS, filters.group, 'any group'),
    select('type', EVENT_TYPE_OPTIONS, filters.type, 'any type'),
    text('host', 'host'),
    select('size', PAGE_SIZES, filters.size),
    h('button', { type: 'submit' }, 'Search'),
  );
  const status = h('p', { class: 'muted', 'data-testid': 'status' }, 'loading…');
  const tbody = h('tbody');
  const pager = h('div', { class: 'pager' });
  replace(
    root,
    h('h1', {}, 'Events'),
    form,
    status,
    h('table', { class: 'grid events', 'data-testid': 'events' }, h('thead', {}, h('tr', {}, ['Time', 'Rollout', 'Group', 'Type', 'Instance', 'Host', 'Level', 'Detail'].map((c) => h('th', {}, c)))), tbody),
    pager,
  );

  const go = (next: EventFilters): void => navigate(`/events?${toQueryString(next)}`);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const value = (k: string) => String(data.get(k) ?? '').trim() || undefined;
    go({ rollout: value('rollout'), group: value('group'), type: value('type'), host: value('host'), q: value('q'), from: 0, size: Number(value('size') ?? filters.size) });
  });

  const abort = new AbortController();
  api<ApiPage<EventItem>>(`/api/v1/events?${toQueryString(filters)}`, { signal: abort.signal })
    .then((page) => {
      const info = pageInfo(page.total, filters.from, filters.size, page.items.length);
      status.textContent = info.label;
      replace(
        tbody,
        page.items.map((e) =>
          h(
            'tr',
            { 'data-testid': 'event-row', 'data-group': e.group, 'data-type': e.type, class: e.level === 'error' || e.level === 'fatal' ? 'bad' : '' },
            h('td', { title: e.time }, new Date(e.time).toLocaleString()),
            h('td', {}, h('a', { href: `/rollouts/${enc(e.rollout)}`, 'data-link': true }, e.rollout)),
            h('td', {}, e.group),
            h('td', {}, e.type),
            h('td', {}, e.instance),
            h('td', {}, e.host ?? '—'),
            h('td', {}, e.level ?? ''),
            h('td', { class: 'message' }, detailOf(e)),
          ),
        ),
      );
      replace(
        pager,
        h('button', { type: 'button', disabled: info.prevFrom === null, 'data-testid': 'prev', onclick: () => info.prevFrom !== null && go({ ...filters, from: info.prevFrom }) }, '← newer'),
        ' ',
        h('button', { type: 'button', disabled: info.nextFrom === null, 'data-testid': 'next', onclick: () => info.nextFrom !== null && go({ ...filters, from: info.nextFrom }) }, 'older →'),
      );
    })
    .catch((error: unknown) => {
      if (abort.signal.aborted) return;
      status.textContent = `Cannot load events: ${(error as Error).message}`;
      status.classList.add('error');
    });
  return { unmount: () => abort.abort() };
}
