import { DLQ_TYPES, dlqRecord, parseEvent, TOPICS, type BusMessage, type ConsumedMessage, type DlqMessage, type FieldError, type RollwatchEvent } from '@rollwatch/core';

/** Envelope fields a producer (the ingest service) may add around an event-v1 body. */
const ENVELOPE_FIELDS = ['receivedAt'] as const;

export interface DecodedEvent {
  event: RollwatchEvent;
  /** When the producer received it (kept in the stored document, not part of event v1). */
  receivedAt?: string;
}

export type DecodeResult = { ok: true; decoded: DecodedEvent } | { ok: false; error: string; fields: FieldError[] };

/** Parses one bus message into a validated event, or says exactly why it cannot be processed. */
export function decodeMessage(message: Pick<ConsumedMessage, 'value'>): DecodeResult {
  let body: unknown;
  try {
    body = JSON.parse(message.value);
  } catch (error) {
    return { ok: false, error: `value is not JSON: ${(error as Error).message}`, fields: [{ field: 'value', message: 'is not JSON' }] };
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return { ok: false, error: 'value is not a JSON object', fields: [{ field: 'value', message: 'must be a JSON object' }] };
  }
  const copy = { ...(body as Record<string, unknown>) };
  let receivedAt: string | undefined;
  for (const field of ENVELOPE_FIELDS) {
    const value = copy[field];
    delete copy[field];
    if (typeof value === 'string' && Number.isFinite(Date.parse(value))) receivedAt = new Date(Date.parse(value)).toISOString();
  }
  const parsed = parseEvent(copy);
  if (!parsed.ok) {
    return { ok: false, error: `invalid event: ${parsed.errors.map((e) => e.message).join('; ')}`, fields: parsed.errors };
  }
  return { ok: true, decoded: receivedAt ? { event: parsed.event, receivedAt } : { event: parsed.event } };
}

/**
 * The document stored in `rollwatch-events` (id = event id, so a replay overwrites, never duplicates).
 * `partition` is where it was consumed from: the replica assigned that partition restores from it.
 */
export function eventDocument(decoded: DecodedEvent, position?: { partition: number; offset: string }): Record<string, unknown> & { id: string } {
  const doc: Record<string, unknown> & { id: string } = decoded.receivedAt ? { ...decoded.event, receivedAt: decoded.receivedAt } : { ...decoded.event };
  if (position) {
    doc.partition = position.partition;
    doc.offset = Number(position.offset);
  }
  return doc;
}

/** A `rollwatch.dlq` message (the contract's one envelope): the original bytes plus enough context to replay or debug it. */
export function dlqMessage(message: ConsumedMessage, consumer: string, error: string, fields: FieldError[] = [], now = new Date()): BusMessage {
  const envelope: DlqMessage = {
    type: DLQ_TYPES.message,
    source: 'detector',
    sourceTopic: message.topic || TOPICS.events,
    partition: message.partition,
    offset: message.offset,
    key: message.key,
    consumer,
    error,
    fields,
    at: now.toISOString(),
    value: message.value,
  };
  return dlqRecord(envelope, message.key);
}
