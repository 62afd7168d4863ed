import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { DLQ_TYPES, TOPICS, dlqRecord, errorMessage, isPermanent, type FieldError } from '@rollwatch/contract';
import type { BusMessage, ConsumedMessage } from './interface.js';

/** A `rollwatch.dlq` record (the contract's message envelope): the original bytes plus enough context to replay or debug it. */
export function deadLetterMessage(message: ConsumedMessage, source: string, consumer: string, error: string, fields: FieldError[] = [], now = new Date()): BusMessage {
  return dlqRecord(
    { type: DLQ_TYPES.message, source, sourceTopic: message.topic || TOPICS.events, partition: message.partition, offset: message.offset, key: message.key, consumer, error, fields, at: now.toISOString(), value: message.value },
    message.key,
  );
}

export interface ConsumeOptions {
  /** Who dead-letters (the envelope's `source`: the bus's client id). */
  source: string;
  /** The consumer group (named in the dead letter). */
  consumer: string;
  handler: (batch: ConsumedMessage[]) => Promise<void>;
  /** Publishes dead letters (to `rollwatch.dlq`); a failure is retried like a transient handler error. */
  deadLetter: (messages: BusMessage[]) => Promise<void>;
  /** False once the consumer stops or loses the partition: give up without committing. */
  active: () => boolean;
  /** Between retries (Kafka: heartbeat so the group keeps the member). */
  onWait?: () => Promise<void>;
  logger?: Logger | undefined;
  /** Backoff before the n-th retry of a transient failure. */
  backoffMs?: (attempt: number) => number;
}

const defaultBackoff = (attempt: number): number => Math.min(10_000, 100 * 2 ** Math.min(attempt, 7));

/**
 * Runs a batch through the handler until its work is done, so the caller may commit past it:
 * - a transient failure (429, 5xx, a connection; also any error not marked `retriable: false`)
 *   retries the same batch for ever;
 * - a permanent one (`retriable: false`, see RejectedError: the data's fault: a mapping error, a document too large) is narrowed to the
 *   messages that cause it, one at a time (handlers are idempotent: at-least-once), and those are
 *   dead-lettered with the reason. The partition moves on: a poison message never blocks it.
 * Resolves true when every message was handled or dead-lettered, false when `active()` turned false.
 */
export async function consumeWithDeadLetters(batch: ConsumedMessage[], options: ConsumeOptions): Promise<boolean> {
  const outcome = await attempt(batch, options);
  if (outcome === 'inactive') return false;
  if (outcome === 'done') return true;
  for (const message of batch) {
    const single = await attempt([message], options);
    if (single === 'inactive') return false;
    if (single === 'done') continue;
    const reason = `permanent failure, dead-lettered: ${errorMessage(single.error)}`;
    options.logger?.error({ topic: message.topic, partition: message.partition, offset: message.offset, err: errorMessage(single.error) }, 'message can never be processed; dead-lettered, the partition moves on');
    const published = await untilDone(() => options.deadLetter([deadLetterMessage(message, options.source, options.consumer, reason)]), options);
    if (!published) return false;
  }
  return true;
}

async function attempt(batch: ConsumedMessage[], options: ConsumeOptions): Promise<'done' | 'inactive' | { error: unknown }> {
  for (let n = 1; ; n++) {
    if (!options.active()) return 'inactive';
    try {
      await options.handler(batch);
      return 'done';
    } catch (error) {
      if (isPermanent(error)) return { error };
      const first = batch[0];
      options.logger?.warn({ err: errorMessage(error), topic: first?.topic, partition: first?.partition, attempt: n }, 'handler failed; retrying batch');
      await pause(n, options);
    }
  }
}

async function untilDone(work: () => Promise<void>, options: ConsumeOptions): Promise<boolean> {
  for (let n = 1; ; n++) {
    if (!options.active()) return false;
    try {
      await work();
      return true;
    } catch (error) {
      options.logger?.warn({ err: errorMessage(error), attempt: n }, 'publishing a dead letter failed; retrying');
      await pause(n, options);
    }
  }
}

async function pause(attempt: number, options: ConsumeOptions): Promise<void> {
  await sleep((options.backoffMs ?? defaultBackoff)(attempt));
  await options.onWait?.().catch(() => undefined);
}

/**
 * A `rollwatch.dlq` record (the contract's document envelope) for a document the store refused for
 * good (a verdict or anomaly the service derived, not a consumed message): the document, where it
 * was going, and why. Keyed by the document's id.
 */
export function deadLetterDocument(index: string, doc: { id: string }, source: string, consumer: string | undefined, error: string, now = new Date()): BusMessage {
  return dlqRecord({ type: DLQ_TYPES.document, source, index, id: doc.id, ...(consumer !== undefined ? { consumer } : {}), error, at: now.toISOString(), value: JSON.stringify(doc) }, doc.id);
}
