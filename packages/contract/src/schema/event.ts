import { z } from 'zod';
import { REVISION_PATTERN } from './rollout-key.js';

/** Event schema v1: a public contract. Field names here are depended on by other tools. */
export { EVENT_GROUPS, EVENT_TYPES, LOG_LEVELS } from './vocabulary.js';
import { EVENT_GROUPS, EVENT_TYPES, LOG_LEVELS } from './vocabulary.js';

export type EventGroup = (typeof EVENT_GROUPS)[number];
export type EventType = (typeof EVENT_TYPES)[number];
export type LogLevel = (typeof LOG_LEVELS)[number];

// Events more than this far in the future are almost always a clock or unit bug (seconds vs ms).
const MAX_FUTURE_SKEW_MS = 24 * 60 * 60 * 1000;
// 2000-01-01: anything older is a unit bug (seconds sent as milliseconds) rather than history.
const MIN_EPOCH_MS = Date.UTC(2000, 0, 1);
const RFC3339 =
  /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

/** Most keys in `labels` / `hostAttributes`: each becomes a field (the store's field limit) and a route/caps input. */
export const MAX_MAP_KEYS = 64;
/** Ids and names are capped in UTF-8 bytes: store document ids (Elasticsearch: 512 bytes) are built from them. */
export const MAX_NAME_BYTES = 256;
// C0/C1 controls and the Unicode bidi overrides/isolates/marks: they make an id display as another
// (`evil\u202Egnp.exe`), break logs and terminals, and no real name needs them.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_OR_BIDI = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

const stringMap = z
  .record(z.string().min(1).max(256), z.string().max(4096))
  .refine((map) => Object.keys(map).length <= MAX_MAP_KEYS, { message: `must have at most ${MAX_MAP_KEYS} keys` });

const time = z
  .union([z.string().regex(RFC3339, 'must be an RFC 3339 timestamp'), z.number().int()])
  .transform((value, ctx) => {
    const ms = typeof value === 'number' ? value : Date.parse(value);
    if (!Number.isFinite(ms)) {
      ctx.addIssue({ code: 'custom', message: 'is not a valid time' });
      return z.NEVER;
    }
    if (ms < MIN_EPOCH_MS) {
      ctx.addIssue({ code: 'custom', message: 'is before 2000-01-01 (epoch seconds instead of milliseconds?)' });
      return z.NEVER;
    }
    if (ms > Date.now() + MAX_FUTURE_SKEW_MS) {
      ctx.addIssue({ code: 'custom', message: 'is more than 24h in the future' });
      return z.NEVER;
    }
    return new Date(ms).toISOString();
  });

const name = z
  .string()
  .min(1)
  .max(MAX_NAME_BYTES)
  .refine((v) => utf8ByteLength(v) <= MAX_NAME_BYTES, { message: `must be at most ${MAX_NAME_BYTES} bytes (UTF-8)` })
  .refine((v) => !CONTROL_OR_BIDI.test(v), { message: 'must not contain control or bidirectional-override characters' });

/** The wire shape accepted from producers (before normalisation). */
export const eventInputSchema = z
  .strictObject({
    id: name.optional(),
    time,
    rollout: name,
    group: z.enum(EVENT_GROUPS),
    type: z.enum(EVENT_TYPES),
    instance: name,
    host: name.optional(),
    service: name.optional(),
    version: name.optional(),
    /** The release under analysis (Argo/Deployment pod-template hash, Flagger checksum, `rollwatch.io/revision`); verdicts are per (rollout, revision). */
    revision: z.string().regex(REVISION_PATTERN, 'must be 1-128 characters without "@" or spaces').optional(),
    source: name.optional(),
    exitCode: z.number().int().optional(),
    message: z.string().max(65536).optional(),
    level: z.enum(LOG_LEVELS).optional(),
    metric: name.optional(),
    // Every metric rollwatch compares (rates, counts, latencies, CPU) is >= 0; 1e400 parses to Infinity.
    value: z.number().finite('must be a finite number (1e400 and larger overflow)').min(0).optional(),
    hostAttributes: stringMap.optional(),
    labels: stringMap.optional(),
  })
  .superRefine((event, ctx) => {
    if (event.type === 'metric') {
      if (event.metric === undefined) ctx.addIssue({ code: 'custom', path: ['metric'], message: 'is required when type is "metric"' });
      if (event.value === undefined) ctx.addIssue({ code: 'custom', path: ['value'], message: 'is required when type is "metric"' });
    }
    if (event.type === 'log' && event.message === undefined) {
      ctx.addIssue({ code: 'custom', path: ['message'], message: 'is required when type is "log"' });
    }
  });

export type RollwatchEventInput = z.input<typeof eventInputSchema>;

/** A validated, normalised event: `time` is RFC 3339 UTC and `id` is always set. */
export type RollwatchEvent = Omit<z.output<typeof eventInputSchema>, 'id'> & { id: string };

export interface FieldError {
  field: string;
  message: string;
}

export type ParseResult =
  | { ok: true; event: RollwatchEvent }
  | { ok: false; errors: FieldError[] };

/** A validated, normalised event whose `id` may still be missing (`parseEvent` in @rollwatch/core derives it). */
export type ValidatedEvent = Omit<RollwatchEvent, 'id'> & { id?: string };

export type ValidationResult =
  | { ok: true; event: ValidatedEvent }
  | { ok: false; errors: FieldError[] };

/**
 * Validates and normalises one event. Unknown top-level fields are rejected (a typo such as
 * `grup` must not silently lose data); free-form data belongs in `labels`. Deriving the id of an
 * event sent without one needs a hash, which is Node's: that step is `parseEvent` in @rollwatch/core.
 */
export function validateEvent(input: unknown): ValidationResult {
  const result = eventInputSchema.safeParse(input);
  if (!result.success) {
    return { ok: false, errors: result.error.issues.map((issue) => issueToFieldError(issue, input)) };
  }
  return { ok: true, event: result.data as ValidatedEvent };
}

/** UTF-8 length of a string without encoding it (no Buffer / TextEncoder: this module runs in browsers too). */
export function utf8ByteLength(value: string): number {
  let bytes = 0;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < value.length && (value.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4; // a surrogate pair: one code point above U+FFFF
      i++;
    } else bytes += 3; // includes a lone surrogate, which UTF-8 encodes as U+FFFD (3 bytes)
  }
  return bytes;
}

/** The value at an issue's path in the raw input (zod does not keep it). */
function rawAt(input: unknown, path: readonly PropertyKey[]): { present: boolean; value: unknown } {
  let value: unknown = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object' || !Object.prototype.hasOwnProperty.call(value, key)) return { present: false, value: undefined };
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return { present: value !== undefined, value };
}

function issueToFieldError(issue: z.core.$ZodIssue, input: unknown): FieldError {
  if (issue.code === 'unrecognized_keys') {
    // An empty key still needs a visible name in the error ("" rather than nothing).
    return {
      field: issue.keys.map((k) => (k === '' ? '""' : k)).join(','),
      message: `unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}; put free-form data in "labels"`,
    };
  }
  const field = issue.path.map(String).join('.') || '(event)';
  if (issue.code === 'invalid_type') {
    const raw = rawAt(input, issue.path);
    if (!raw.present) return { field, message: `${field} is required` };
    // JSON numbers beyond ±1.8e308 parse to ±Infinity.
    if (typeof raw.value === 'number' && !Number.isFinite(raw.value)) return { field, message: `${field} must be a finite number (1e400 and larger overflow)` };
  }
  return { field, message: `${field} ${issue.message}` };
}

/** JSON with sorted keys, so equal content gives equal bytes. On ingest's hot path: no intermediate arrays. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i ? ',' : '') + canonicalJson(value[i]);
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    const v = record[key];
    if (v === undefined) continue;
    out += `${first ? '' : ','}${JSON.stringify(key)}:${canonicalJson(v)}`;
    first = false;
  }
  return `${out}}`;
}

/** JSON Schema (draft 2020-12) of the wire format, committed as schema/event-v1.schema.json. */
export function eventJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(eventInputSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return {
    $id: 'https://rollwatch.dev/schema/event-v1.schema.json',
    title: 'rollwatch event v1',
    ...schema,
  };
}
