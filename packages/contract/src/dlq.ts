import { z } from 'zod';

/**
 * The one envelope on `rollwatch.dlq`: every service that dead-letters (the detector's event
 * consumer, the alerts verdict consumer and its actions) writes this shape, so one reader replays or
 * debugs any of them. `type` says which body follows; `source`, `error` and `at` are always there.
 */
export const DLQ_TYPES = {
  /** A consumed message that could not be processed: its original bytes and where they came from. */
  message: 'rollwatch.dlq.message.v1',
  /** An action (notification, pause, rollback) that failed after its last retry. */
  action: 'rollwatch.dlq.action.v1',
  /** A document the store refused for good (a verdict or anomaly the detector derived): it and where it was going. */
  document: 'rollwatch.dlq.document.v1',
} as const;

const fieldErrorSchema = z.object({ field: z.string(), message: z.string() });

const head = {
  /** The service that dead-lettered (`detector`, `alerts`). */
  source: z.string().min(1),
  error: z.string(),
  /** When it was dead-lettered (RFC 3339). */
  at: z.string(),
};

export const dlqMessageSchema = z.object({
  type: z.literal(DLQ_TYPES.message),
  ...head,
  sourceTopic: z.string(),
  partition: z.number().int(),
  offset: z.string(),
  key: z.string(),
  /** The consumer group that gave up on the message, when the writer knows it. */
  consumer: z.string().optional(),
  /** The fields at fault when the message was an invalid event or verdict (empty otherwise). */
  fields: z.array(fieldErrorSchema),
  /** The original message value, byte for byte (as UTF-8 text). */
  value: z.string(),
});
export type DlqMessage = z.infer<typeof dlqMessageSchema>;

export const dlqActionSchema = z.object({
  type: z.literal(DLQ_TYPES.action),
  ...head,
  /** The action's id (its audit document) and the key that makes a replay idempotent. */
  id: z.string(),
  idempotencyKey: z.string(),
  /** The planned action, verdict included, as the alerts service would run it again. */
  action: z.unknown(),
  responseCode: z.number().int().nullable().optional(),
  attempts: z.number().int().nonnegative(),
  status: z.string(),
});
export type DlqAction = z.infer<typeof dlqActionSchema>;

export const dlqDocumentSchema = z.object({
  type: z.literal(DLQ_TYPES.document),
  ...head,
  /** The index it was written to (without a test prefix) and the document's own id. */
  index: z.string(),
  id: z.string(),
  /** The consumer group whose work produced it, when known. */
  consumer: z.string().optional(),
  /** The document, as JSON text. */
  value: z.string(),
});
export type DlqDocument = z.infer<typeof dlqDocumentSchema>;

export const dlqEnvelopeSchema = z.discriminatedUnion('type', [dlqMessageSchema, dlqActionSchema, dlqDocumentSchema]);
export type DlqEnvelope = z.infer<typeof dlqEnvelopeSchema>;

/** Headers every dead letter carries, so a consumer can filter without parsing the value. */
export const DLQ_HEADERS = {
  source: 'rollwatch-source',
  error: 'rollwatch-error',
  sourceTopic: 'rollwatch-source-topic',
  consumer: 'rollwatch-consumer',
  actionId: 'rollwatch-action-id',
  sourceIndex: 'rollwatch-source-index',
} as const;

/** Longest `rollwatch-error` header value: the full error is in the body. */
export const DLQ_ERROR_HEADER_MAX = 512;

/**
 * The `rollwatch.dlq` record for an envelope (structurally a bus message: key, value, headers).
 * Keyed like what failed (the original message's key, or the action's rollout).
 */
export function dlqRecord(envelope: DlqEnvelope, key: string): { key: string; value: string; headers: Record<string, string> } {
  const headers: Record<string, string> = { [DLQ_HEADERS.source]: envelope.source, [DLQ_HEADERS.error]: envelope.error.slice(0, DLQ_ERROR_HEADER_MAX) };
  if (envelope.type === DLQ_TYPES.message) {
    headers[DLQ_HEADERS.sourceTopic] = envelope.sourceTopic;
    if (envelope.consumer !== undefined) headers[DLQ_HEADERS.consumer] = envelope.consumer;
  } else if (envelope.type === DLQ_TYPES.action) {
    headers[DLQ_HEADERS.actionId] = envelope.id;
  } else {
    headers[DLQ_HEADERS.sourceIndex] = envelope.index;
    if (envelope.consumer !== undefined) headers[DLQ_HEADERS.consumer] = envelope.consumer;
  }
  return { key, value: JSON.stringify(envelope), headers };
}
