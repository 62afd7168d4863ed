// Reading recorded events fast enough for a replay of millions of lines, without a second
// definition of what a valid event is: parseEvent (the zod schema in @rollwatch/core) stays the
// only authority. The fast path below accepts an event only when every field is of the plain,
// already-normalised shape the schema would accept unchanged (id present, time in canonical
// RFC 3339 UTC); anything else — errors included — goes through parseEvent, so messages and edge
// cases are exactly the ingest API's. replay-input.test.ts checks the two agree.
import { EVENT_GROUPS, EVENT_TYPES, LOG_LEVELS, parseEvent, type ParseResult, type RollwatchEvent } from '@rollwatch/core';

const GROUPS = new Set<string>(EVENT_GROUPS);
const TYPES = new Set<string>(EVENT_TYPES);
const LEVELS = new Set<string>(LOG_LEVELS);
const NAME_FIELDS = new Set(['rollout', 'instance', 'host', 'service', 'version', 'source', 'metric']);
const MIN_EPOCH_MS = Date.UTC(2000, 0, 1);
const MAX_FUTURE_SKEW_MS = 24 * 60 * 60 * 1000;

const isName = (v: unknown): boolean => typeof v === 'string' && v.length >= 1 && v.length <= 256;

function isStringMap(v: unknown): boolean {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || Object.getPrototypeOf(v) !== Object.prototype) return false;
  for (const key in v) {
    if (!Object.prototype.hasOwnProperty.call(v, key)) return false;
    if (key.length < 1 || key.length > 256 || key === '__proto__') return false;
    const value = (v as Record<string, unknown>)[key];
    if (typeof value !== 'string' || value.length > 4096) return false;
  }
  return true;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Value of ASCII digits s[from..to), or -1 when any is not a digit. */
function digits(s: string, from: number, to: number): number {
  let v = 0;
  for (let i = from; i < to; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/**
 * Epoch ms of a time in the canonical form `new Date(ms).toISOString()` writes for years
 * 0100-9999 (`YYYY-MM-DDTHH:MM:SS.mmmZ`), or NaN for anything else. Exactly the strings for which
 * `new Date(Date.parse(s)).toISOString() === s`, without building a Date and a string per event.
 */
export function canonicalTimeMs(s: string): number {
  if (s.length !== 24 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(10) !== 84 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58 || s.charCodeAt(19) !== 46 || s.charCodeAt(23) !== 90) return NaN;
  const year = digits(s, 0, 4);
  const month = digits(s, 5, 7);
  const day = digits(s, 8, 10);
  const hour = digits(s, 11, 13);
  const minute = digits(s, 14, 16);
  const second = digits(s, 17, 19);
  const ms = digits(s, 20, 23);
  if (year < 100 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59 || ms < 0) return NaN;
  const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > DAYS_IN_MONTH[month - 1]! + (leap ? 1 : 0)) return NaN;
  return daysFromCivil(year, month, day) * 86_400_000 + hour * 3_600_000 + minute * 60_000 + second * 1000 + ms;
}

/**
 * Days since 1970-01-01 of a proleptic Gregorian date (month 1-12), what Date.UTC counts, in
 * integer arithmetic: a Date.UTC call per event was a measurable share of the replay's parsing.
 * Howard Hinnant's days_from_civil (eras of 400 years, the year starting in March).
 */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/**
 * The event, when `input` (a JSON.parse result) is plainly valid and already normalised; undefined
 * means "ask parseEvent".
 */
export function fastEvent(input: unknown, nowMs: number): RollwatchEvent | undefined {
  return Number.isNaN(fastEventTime(input, nowMs)) ? undefined : (input as RollwatchEvent);
}

/** fastEvent's check, answering the event's time (ms) when it is taken, NaN when parseEvent must answer. */
export function fastEventTime(input: unknown, nowMs: number): number {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return NaN;
  const o = input as Record<string, unknown>;
  if (!isName(o.id)) return NaN;
  if (typeof o.time !== 'string' || !GROUPS.has(o.group as string) || !TYPES.has(o.type as string)) return NaN;
  // A JSON.parse result: own enumerable keys only, so for..in sees exactly the object's fields.
  if (Object.getPrototypeOf(o) !== Object.prototype) return NaN;
  for (const key in o) {
    const v = o[key];
    switch (key) {
      case 'id':
      case 'time':
      case 'group':
      case 'type':
        break;
      case 'exitCode':
        if (typeof v !== 'number' || !Number.isSafeInteger(v)) return NaN;
        break;
      case 'message':
        if (typeof v !== 'string' || v.length > 65536) return NaN;
        break;
      case 'level':
        if (!LEVELS.has(v as string)) return NaN;
        break;
      case 'value':
        if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) return NaN;
        break;
      case 'hostAttributes':
      case 'labels':
        if (!isStringMap(v)) return NaN;
        break;
      default:
        if (!NAME_FIELDS.has(key) || !isName(v)) return NaN;
    }
  }
  if (!isName(o.rollout) || !isName(o.instance)) return NaN;
  if (o.type === 'metric' && (o.metric === undefined || o.value === undefined)) return NaN;
  if (o.type === 'log' && o.message === undefined) return NaN;
  // Canonical form only (what parseEvent would produce): anything else is normalised by the schema.
  const ms = canonicalTimeMs(o.time);
  if (!(ms >= MIN_EPOCH_MS) || ms > nowMs + MAX_FUTURE_SKEW_MS) return NaN;
  return ms;
}

/** parseEvent's answer, fast when the event is already in canonical form. */
export function parseReplayEvent(input: unknown, nowMs: number = Date.now()): ParseResult {
  const fast = fastEvent(input, nowMs);
  return fast ? { ok: true, event: fast } : parseEvent(input);
}

export type TimedParseResult = { ok: true; event: RollwatchEvent; timeMs: number } | Extract<ParseResult, { ok: false }>;

/** parseReplayEvent, plus the event's time in ms (parsed once, handed on to the replay). */
export function parseReplayEventTimed(input: unknown, nowMs: number = Date.now()): TimedParseResult {
  const t = fastEventTime(input, nowMs);
  if (!Number.isNaN(t)) return { ok: true, event: input as RollwatchEvent, timeMs: t };
  const r = parseEvent(input);
  return r.ok ? { ok: true, event: r.event, timeMs: Date.parse(r.event.time) } : r;
}
