import { COMMAND_HEADER, INDICES, Pacer, TOPICS, errorMessage, overrideCommandSchema, type OverrideCommand, isPermanent, retryThrowing, splitRolloutKey, type Bus, type BusMessage, type ConsumedMessage, type Logger, type RetryOptions, type RollwatchEvent, type Store, type StoreDoc } from '@rollwatch/core';
import type { AnalysisEngine } from '@rollwatch/analysis';
import type { DetectorMetrics } from '../metrics.js';
import { analysisEvent } from '../state/revisions.js';
import type { VerdictTracker } from '../verdicts/tracker.js';
import { decodeMessage, dlqMessage, eventDocument, type DecodedEvent } from './decode.js';

export interface BatchHandlerOptions {
  engine: AnalysisEngine;
  bus: Bus;
  store: Store;
  tracker: VerdictTracker;
  logger: Logger;
  metrics: DetectorMetrics;
  consumerGroup: string;
  /** Told which rollouts a batch touched, and its partition (before they are evaluated). */
  onTouched?: (rollouts: string[], partition: number) => void;
  /**
   * Told, synchronously right after the engine ingested a batch, the next offset of its partition:
   * the engine state now covers everything before it (what a checkpoint records).
   */
  onIngested?: (partition: number, nextOffset: number) => void;
  /** Told the batch's stored events before the engine sees them (revision index, per-revision registrations). */
  beforeAnalysis?: (events: RollwatchEvent[]) => void;
  /** Runs the engine's ingestion under the detector's engine lock (checkpoints snapshot in chunks under it). */
  exclusive?: <T>(work: () => Promise<T>) => Promise<T>;
  retry?: Partial<RetryOptions>;
}

/**
 * Handles one batch from `rollwatch.events`. Order matters for at-least-once: store the events,
 * analyse them, publish verdict changes and dead letters, and only then return (the bus commits
 * after the handler resolves). Anything transient throws, so the same batch comes back; anything
 * that can never succeed goes to the DLQ, so one poison message cannot block a partition.
 */
export function createBatchHandler(options: BatchHandlerOptions): (batch: ConsumedMessage[]) => Promise<void> {
  const { engine, bus, store, tracker, logger, metrics, consumerGroup } = options;
  const retryOptions: Partial<RetryOptions> = { maxAttempts: 5, initialDelayMs: 200, maxDelayMs: 5000, deadlineMs: 30_000, ...options.retry };

  return async (batch) => {
    const dead: BusMessage[] = [];
    const decoded: { message: ConsumedMessage; value: DecodedEvent }[] = [];
    const overrides: OverrideCommand[] = [];
    // Validation of a full batch (hundreds of events) is tens of milliseconds: paced, like ingest's.
    const pacer = new Pacer();
    for (const message of batch) {
      if (pacer.due()) await pacer.yieldNow();
      if (message.headers?.[COMMAND_HEADER] !== undefined) {
        const command = decodeCommand(message);
        if (command.ok) overrides.push(command.command);
        else {
          dead.push(dlqMessage(message, consumerGroup, command.error));
          metrics.dlq.inc({ reason: 'invalid' });
        }
        continue;
      }
      const result = decodeMessage(message);
      if (result.ok) decoded.push({ message, value: result.decoded });
      else {
        dead.push(dlqMessage(message, consumerGroup, result.error, result.fields));
        metrics.dlq.inc({ reason: 'invalid' });
        metrics.eventsConsumed.inc({ result: 'invalid' }, 1);
      }
    }

    const stored = await stage('store', () => storeEvents(decoded, dead));
    const events = stored.map((d) => d.value.event);
    options.beforeAnalysis?.(events);
    const exclusive = options.exclusive ?? (<T>(work: () => Promise<T>) => work());
    const touched = await stage('analyse', () =>
      exclusive(async () => {
        const result = ingest(events, stored, dead);
        const last = batch[batch.length - 1];
        if (last) options.onIngested?.(last.partition, Number(last.offset) + 1);
        return result;
      }),
    );
    for (const rollout of touched) tracker.claim(rollout);
    if (batch.length > 0) options.onTouched?.(touched, batch[0]!.partition);
    await stage('evaluate', () => tracker.evaluate(touched));
    // A person's override, routed here because this replica owns the rollout's partition: numbered
    // by the tracker (idempotent, so a redelivered batch does not apply it twice).
    for (const command of overrides) await stage('override', () => tracker.override(command));
    if (dead.length > 0) await stage('dlq', () => retryThrowing(() => bus.publish(TOPICS.dlq, dead), retryOptions));
    metrics.eventsConsumed.inc({ result: 'stored' }, events.length);
  };

  function decodeCommand(message: ConsumedMessage): { ok: true; command: OverrideCommand } | { ok: false; error: string } {
    const kind = message.headers?.[COMMAND_HEADER];
    if (kind !== 'override') return { ok: false, error: `unknown command "${kind}"` };
    let body: unknown;
    try {
      body = JSON.parse(message.value);
    } catch (error) {
      return { ok: false, error: `override command is not JSON: ${(error as Error).message}` };
    }
    const parsed = overrideCommandSchema.safeParse(body);
    if (!parsed.success) return { ok: false, error: `invalid override command: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(command)'}: ${i.message}`).join('; ')}` };
    // Keyed like the rollout's events (its id, without the revision), so it reaches the partition's owner.
    if (parsed.data.rollout !== message.key && splitRolloutKey(parsed.data.rollout).rollout !== message.key) return { ok: false, error: `override command for "${parsed.data.rollout}" carries key "${message.key}"` };
    return { ok: true, command: parsed.data };
  }

  async function stage<T>(name: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      metrics.consumerErrors.inc({ stage: name });
      logger.warn({ stage: name, err: errorMessage(error) }, 'event batch failed; it will be redelivered');
      throw error;
    }
  }

  /** Bulk write by id; a permanent rejection is narrowed down to the documents that cause it. */
  async function storeEvents(items: { message: ConsumedMessage; value: DecodedEvent }[], deadLetters: BusMessage[]) {
    if (items.length === 0) return items;
    try {
      await retryThrowing(() => store.put(INDICES.events, items.map((i) => eventDocument(i.value, i.message) as StoreDoc)), retryOptions);
      return items;
    } catch (error) {
      if (!isPermanent(error)) throw error;
    }
    const accepted: typeof items = [];
    for (const item of items) {
      try {
        await retryThrowing(() => store.put(INDICES.events, [eventDocument(item.value, item.message) as StoreDoc]), retryOptions);
        accepted.push(item);
      } catch (error) {
        if (!isPermanent(error)) throw error;
        deadLetters.push(dlqMessage(item.message, consumerGroup, `store rejected the event: ${errorMessage(error)}`));
        metrics.dlq.inc({ reason: 'store-rejected' });
        metrics.eventsConsumed.inc({ result: 'rejected' });
      }
    }
    return accepted;
  }

  /** The engine is pure and should not throw; if it does on one event, that event is dead-lettered. */
  function ingest(events: RollwatchEvent[], items: { message: ConsumedMessage; value: DecodedEvent }[], deadLetters: BusMessage[]): string[] {
    try {
      return engine.ingest(events.map(analysisEvent));
    } catch (error) {
      logger.error({ err: errorMessage(error) }, 'engine rejected a batch; ingesting one by one');
    }
    const touched = new Set<string>();
    for (const item of items) {
      try {
        for (const rollout of engine.ingest([analysisEvent(item.value.event)])) touched.add(rollout);
      } catch (error) {
        deadLetters.push(dlqMessage(item.message, consumerGroup, `analysis engine rejected the event: ${errorMessage(error)}`));
        metrics.dlq.inc({ reason: 'engine-rejected' });
      }
    }
    return [...touched];
  }
}
