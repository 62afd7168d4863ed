import { EVENT_GROUPS, EVENT_TYPES } from '@rollwatch/contract/vocabulary';

/** The filter choices are the contract's own lists (a zod-free module, so the bundle stays small). */
export const EVENT_GROUP_OPTIONS = EVENT_GROUPS;
export const EVENT_TYPE_OPTIONS = EVENT_TYPES;
export const PAGE_SIZES = [25, 50, 100, 250] as const;
/** Elasticsearch's default result window: from + size must stay within it. */
export const MAX_RESULT_WINDOW = 10_000;

export interface EventFilters {
  rollout?: string;
  group?: string;
  type?: string;
  host?: string;
  q?: string;
  from: number;
  size: number;
}

const TEXT_FIELDS = ['rollout', 'host', 'q'] as const;

/** Reads filters from a URL query; unknown or malformed values are dropped, never sent on. */
export function parseFilters(search: string): EventFilters {
  const params = new URLSearchParams(search);
  const filters: EventFilters = { from: 0, size: 50 };
  for (const key of TEXT_FIELDS) {
    const v = params.get(key)?.trim();
    if (v) filters[key] = v.slice(0, 256);
  }
  const group = params.get('group');
  if (group && (EVENT_GROUP_OPTIONS as readonly string[]).includes(group)) filters.group = group;
  const type = params.get('type');
  if (type && (EVENT_TYPE_OPTIONS as readonly string[]).includes(type)) filters.type = type;
  const size = Number(params.get('size'));
  if ((PAGE_SIZES as readonly number[]).includes(size)) filters.size = size;
  const from = Number(params.get('from'));
  if (Number.isInteger(from) && from > 0) filters.from = Math.min(from, MAX_RESULT_WINDOW - filters.size);
  return filters;
}

/** The query string for both the page URL and GET /api/v1/events (same names on purpose). */
export function toQueryString(filters: EventFilters): string {
  const params = new URLSearchParams();
  for (const key of ['rollout', 'group', 'type', 'host', 'q'] as const) {
    const v = filters[key];
    if (v) params.set(key, v);
  }
  if (filters.from > 0) params.set('from', String(filters.from));
  params.set('size', String(filters.size));
  return params.toString();
}

export interface PageInfo {
  label: string;
  prevFrom: number | null;
  nextFrom: number | null;
}

export function pageInfo(total: number, from: number, size: number, shown: number): PageInfo {
  const first = total === 0 ? 0 : from + 1;
  const last = from + shown;
  const next = from + size;
  return {
    label: total === 0 ? 'no events' : `${first}–${last} of ${total}${total > MAX_RESULT_WINDOW ? ' (narrow the filters to see older ones)' : ''}`,
    prevFrom: from > 0 ? Math.max(0, from - size) : null,
    nextFrom: next < total && next + size <= MAX_RESULT_WINDOW ? next : null,
  };
}
