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

/**
 * The event, when `input` (a JSON.parse result) is plainly valid and already normalised; undefined
 * means "ask parseEvent".
 */
export function fastEvent(input: unknown, nowMs: number): RollwatchEvent | undefined {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return undefined;
  const o = input as Record<string, unknown>;
  if (!isName(o.id)) return undefined;
  if (typeof o.time !== 'string' || !GROUPS.has(o.group as string) || !TYPES.has(o.type as string)) return undefined;
  // A JSON.parse result: own enumerable keys only, so for..in sees exactly the object's fields.
  if (Object.getPrototypeOf(o) !== Object.prototype) return undefined;
  for (const key in o) {
    const v = o[key];
    switch (key) {
      case 'id':
      case 'time':
      case 'group':
      case 'type':
        break;
      case 'exitCode':
        if (typeof v !== 'number' || !Number.isSafeInteger(v)) return undefined;
        break;
      case 'message':
        if (typeof v !== 'string' || v.length > 65536) return undefined;
        break;
      case 'level':
        if (!LEVELS.has(v as string)) return undefined;
        break;
      case 'value':
        if (typeof v !== 'number' || !Number.isFinite(v)) return undefined;
        break;
      case 'hostAttributes':
      case 'labels':
        if (!isStringMap(v)) return undefined;
        break;
      default:
        if (!NAME_FIELDS.has(key) || !isName(v)) return undefined;
    }
  }
  if (!isName(o.rollout) || !isName(o.instance)) return undefined;
  if (o.type === 'metric' && (o.metric === undefined || o.value === undefined)) return undefined;
  if (o.type === 'log' && o.message === undefined) return undefined;
  const ms = Date.parse(o.time);
  if (!(ms >= MIN_EPOCH_MS) || ms > nowMs + MAX_FUTURE_SKEW_MS) return undefined;
  // Canonical form only (what parseEvent would produce): anything else is normalised by the schema.
  if (new Date(ms).toISOString() !== o.time) return undefined;
  return o as unknown as RollwatchEvent;
}

/** parseEvent's answer, fast when the event is already in canonical form. */
export function parseReplayEvent(input: unknown, nowMs: number = Date.now()): ParseResult {
  const fast = fastEvent(input, nowMs);
  return fast ? { ok: true, event: fast } : parseEvent(input);
}
