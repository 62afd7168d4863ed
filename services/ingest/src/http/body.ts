import type { EventError, IntakeItem } from '../pipeline.js';

/**
 * Turns a raw POST /api/v1/events body into candidate events. Accepted shapes:
 *  - a JSON object (one event) or a JSON array of events (`application/json`);
 *  - NDJSON (`application/x-ndjson`, `application/jsonl`), also detected by shape when a
 *    multi-line body is not one JSON document;
 *  - CloudEvents 1.0 structured mode (`application/cloudevents+json`), batch mode
 *    (`application/cloudevents-batch+json`) and binary mode (`ce-specversion` header; the body is
 *    the event): the rollwatch event is the CloudEvent's `data`; the envelope's `id`, `time` and
 *    `source` fill the event's own fields when those are absent.
 * Pure: no I/O. Errors name the field and the event index (and line for NDJSON).
 */
export type BodyFormat = 'json' | 'ndjson' | 'cloudevents' | 'cloudevents-batch' | 'cloudevents-binary';

export type ParsedBody = { ok: true; format: BodyFormat; items: IntakeItem[] } | { ok: false; errors: EventError[]; message: string };

const NDJSON_TYPES = new Set(['application/x-ndjson', 'application/ndjson', 'application/jsonl', 'application/x-jsonlines', 'application/json-lines']);
/** At most this many problems are listed in one response (the count of all is given too). */
export const MAX_LISTED_ERRORS = 100;

function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

function fail(message: string, field = 'body', extra: Partial<EventError> = {}): ParsedBody {
  return { ok: false, message, errors: [{ index: extra.index ?? -1, ...(extra.line !== undefined ? { line: extra.line } : {}), field, message }] };
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

export function parseEventsBody(raw: Buffer, contentType: string | undefined, headers: Record<string, string | string[] | undefined> = {}): ParsedBody {
  const text = raw.toString('utf8').replace(/^\uFEFF/, '');
  if (text.trim() === '') return fail('the request body is empty; send an event object, an array, NDJSON or a CloudEvent');
  const type = mediaType(contentType);

  if (headerValue(headers, 'ce-specversion') !== undefined && type !== 'application/cloudevents+json' && type !== 'application/cloudevents-batch+json') {
    const parsed = parseJson(text);
    if (!parsed.ok) return fail(`malformed JSON: ${parsed.error}`);
    return { ok: true, format: 'cloudevents-binary', items: [binaryCloudEvent(parsed.value, headers)] };
  }
  if (NDJSON_TYPES.has(type)) return parseNdjson(text);
  if (type === 'application/cloudevents+json') {
    const parsed = parseJson(text);
    if (!parsed.ok) return fail(`malformed JSON: ${parsed.error}`);
    return unwrapCloudEvents([parsed.value], 'cloudevents');
  }
  if (type === 'application/cloudevents-batch+json') {
    const parsed = parseJson(text);
    if (!parsed.ok) return fail(`malformed JSON: ${parsed.error}`);
    if (!Array.isArray(parsed.value)) return fail('a CloudEvents batch must be a JSON array');
    return unwrapCloudEvents(parsed.value, 'cloudevents-batch');
  }

  const parsed = parseJson(text);
  if (!parsed.ok) {
    // Not one JSON document: NDJSON sent as application/json (or with no type) is common.
    if (looksLikeNdjson(text)) return parseNdjson(text);
    return fail(`malformed JSON: ${parsed.error}`);
  }
  const value = parsed.value;
  // Structured CloudEvents sent as plain application/json: recognised by `specversion`.
  if (isCloudEvent(value)) return unwrapCloudEvents([value], 'cloudevents');
  if (Array.isArray(value)) {
    if (value.length > 0 && value.every(isCloudEvent)) return unwrapCloudEvents(value, 'cloudevents-batch');
    return { ok: true, format: 'json', items: value.map((v, index) => ({ value: v, index })) };
  }
  return { ok: true, format: 'json', items: [{ value, index: 0 }] };
}

function looksLikeNdjson(text: string): boolean {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  return lines.length > 1 && lines.every((l) => l.trimStart().startsWith('{'));
}

function parseNdjson(text: string): ParsedBody {
  const items: IntakeItem[] = [];
  const errors: EventError[] = [];
  const lines = text.split('\n');
  let index = -1;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    if (line.trim() === '') continue;
    index++;
    const parsed = parseJson(line);
    if (parsed.ok) items.push({ value: parsed.value, index, line: i + 1 });
    else errors.push({ index, line: i + 1, field: '(line)', message: `line ${i + 1} is not valid JSON: ${parsed.error}` });
  }
  if (errors.length > 0) return { ok: false, errors, message: `${errors.length} NDJSON line(s) are not valid JSON` };
  return { ok: true, format: 'ndjson', items };
}

function isCloudEvent(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && typeof (value as Record<string, unknown>).specversion === 'string';
}

function unwrapCloudEvents(envelopes: unknown[], format: BodyFormat): ParsedBody {
  const items: IntakeItem[] = [];
  const errors: EventError[] = [];
  envelopes.forEach((envelope, index) => {
    const result = unwrapCloudEvent(envelope, index);
    if ('error' in result) errors.push(result.error);
    else items.push(result.item);
  });
  if (errors.length > 0) return { ok: false, errors, message: `${errors.length} CloudEvent(s) are invalid` };
  return { ok: true, format, items };
}

function unwrapCloudEvent(envelope: unknown, index: number): { item: IntakeItem } | { error: EventError } {
  const err = (field: string, message: string) => ({ error: { index, field, message } });
  if (!isCloudEvent(envelope)) return err('specversion', 'specversion is required (a CloudEvent object)');
  if (envelope.specversion !== '1.0') return err('specversion', `specversion "${envelope.specversion as string}" is not supported; use "1.0"`);
  for (const attribute of ['id', 'source', 'type'] as const) {
    if (typeof envelope[attribute] !== 'string' || envelope[attribute] === '') return err(attribute, `${attribute} is required by CloudEvents 1.0`);
  }
  const contentType = envelope.datacontenttype;
  if (contentType !== undefined && !(typeof contentType === 'string' && /(^|\/|\+)json(\s*;|$)/i.test(contentType))) {
    return err('datacontenttype', 'datacontenttype must be JSON (application/json)');
  }
  if (envelope.data_base64 !== undefined) return err('data_base64', 'data_base64 is not supported; send the event as JSON in "data"');
  if (envelope.data === undefined) return err('data', 'data is required: the rollwatch event goes in "data"');
  return { item: { value: mergeEnvelope(envelope.data, { id: envelope.id, time: envelope.time, source: envelope.source }), index, fieldPrefix: 'data.' } };
}

function binaryCloudEvent(data: unknown, headers: Record<string, string | string[] | undefined>): IntakeItem {
  return {
    value: mergeEnvelope(data, { id: headerValue(headers, 'ce-id'), time: headerValue(headers, 'ce-time'), source: headerValue(headers, 'ce-source') }),
    index: 0,
  };
}

/** The envelope fills `id`, `time` and `source` only where the event itself has none. */
function mergeEnvelope(data: unknown, envelope: { id?: unknown; time?: unknown; source?: unknown }): unknown {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return data;
  const event = { ...(data as Record<string, unknown>) };
  for (const key of ['id', 'time', 'source'] as const) {
    if (event[key] === undefined && typeof envelope[key] === 'string' && envelope[key] !== '') event[key] = envelope[key];
  }
  return event;
}

function headerValue(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
