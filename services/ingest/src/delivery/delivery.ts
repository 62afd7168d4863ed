import { errorMessage, retry, UnavailableError, type Bus, type BusMessage, type Logger, type RetryOptions } from '@rollwatch/core';
import type { IngestMetrics } from '../metrics.js';
import type { Spool } from './spool.js';

/** Message headers ingest sets; also how delivered messages are attributed in metrics. */
export const HEADER_SOURCE = 'rollwatch-ingest-source';
export const HEADER_TYPE = 'rollwatch-event-type';

export interface DeliveryOptions {
  bus: Bus;
  topic: string;
  spool: Spool;
  logger: Logger;
  metrics: IngestMetrics;
  /** Micro-batching: flush once this many events wait... */
  maxBatchEvents: number;
  /** ...or this long after the first one arrived. */
  maxWaitMs: number;
  /** A publish slower than this counts as failed (the batch goes to the spool). */
  publishTimeoutMs: number;
  /** Largest serialized size of one publish; bigger batches are split (brokers cap request size). */
  maxPublishBytes?: number;
  /** Backoff of the spool drainer (attempts are unlimited: the spool is only left by delivery). */
  drainRetry?: Partial<RetryOptions>;
}

interface PendingRequest {
  messages: BusMessage[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

export type DeliveryMode = 'direct' | 'spooling';

export interface DeliveryState {
  mode: DeliveryMode;
  spool: { events: number; pendingBytes: number; diskBytes: number; maxBytes: number; full: boolean };
  lastPublishError?: string;
  lastPublishErrorAt?: string;
}

// The Java producer's max.request.size default: brokers accept it out of the box.
const DEFAULT_MAX_PUBLISH_BYTES = 1024 * 1024;
/** How much larger than the flush size a batch may grow while requests queue behind a publish. */
const BACKLOG_BATCH_FACTOR = 4;

/**
 * A publish that outlived its timeout: the bus may still deliver it (kafkajs keeps retrying), so its
 * messages, now also in the spool, must not be replayed until we know it failed.
 */
interface InFlightPublish {
  messages: BusMessage[];
  /** Settles when the bus does: true = acknowledged, false = rejected. Never rejects. */
  landed: Promise<boolean>;
}

interface PublishResult {
  published: number;
  error?: unknown;
  /** Set when the chunk after `published` timed out rather than failed: it is still in flight. */
  inFlight?: InFlightPublish;
}

/**
 * Gets messages durably out of the process, in order: a micro-batch is published to the bus, or,
 * when the bus fails (or the spool still holds older messages), fsynced into the spool, which a
 * background drainer replays to the bus in order. `submit()` resolves only once its messages are
 * acknowledged by the bus or fsynced in the spool; it rejects with BackpressureError when the spool
 * is full.
 *
 * No copies across an outage: a publish that times out is spooled but kept in flight, and the
 * drainer waits for its outcome before touching the spool: if it lands, its spool records are
 * acknowledged without a replay; only a rejected publish is replayed. One publish is in flight at a
 * time, so that wait also keeps per-rollout order. What can still copy: a crash (or a shutdown that
 * outlasts its drain timeout) between a publish landing and its spool acknowledgement, and a publish
 * the bus rejected after the broker had written it; consumers deduplicate by event id for those.
 */
export class Delivery {
  private queue: PendingRequest[] = [];
  private queuedEvents = 0;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private draining: Promise<void> | undefined;
  private readonly drainAbort = new AbortController();
  private stopped = false;
  private lastError: { message: string; at: string } | undefined;
  private readonly maxPublishBytes: number;
  /** A timed-out direct publish whose messages are the first `count` records of the spool. */
  private spooledInFlight: { publish: InFlightPublish; count: number } | undefined;

  constructor(private readonly options: DeliveryOptions) {
    this.maxPublishBytes = options.maxPublishBytes ?? DEFAULT_MAX_PUBLISH_BYTES;
  }

  /** Starts replaying what a previous run left in the spool. */
  start(): void {
    this.wakeDrainer();
  }

  submit(messages: BusMessage[]): Promise<void> {
    if (messages.length === 0) return Promise.resolve();
    if (this.stopped) return Promise.reject(new UnavailableError('ingest is shutting down', { retryAfterMs: 5000 }));
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ messages, resolve, reject });
      this.queuedEvents += messages.length;
      if (this.queuedEvents >= this.options.maxBatchEvents) this.flushSoon(0);
      else this.flushSoon(this.options.maxWaitMs);
    });
  }

  state(): DeliveryState {
    const { spool } = this.options;
    return {
      mode: spool.isEmpty() ? 'direct' : 'spooling',
      spool: { events: spool.events, pendingBytes: spool.pendingBytes, diskBytes: spool.diskBytes, maxBytes: spool.maxBytes, full: spool.isFull() },
      ...(this.lastError ? { lastPublishError: this.lastError.message, lastPublishErrorAt: this.lastError.at } : {}),
    };
  }

  /**
   * Flushes queued requests, then lets the drainer empty the spool for up to `drainTimeoutMs`;
   * whatever is left stays in the spool for the next start.
   */
  async stop(drainTimeoutMs: number): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.flushAll();
    if (this.draining) {
      let timeout: NodeJS.Timeout | undefined;
      await Promise.race([this.draining, new Promise<void>((resolve) => (timeout = setTimeout(resolve, drainTimeoutMs)))]);
      clearTimeout(timeout);
    }
    this.drainAbort.abort();
    await this.draining?.catch(() => undefined);
  }

  private flushSoon(delayMs: number): void {
    if (this.flushing) return; // the running flush loop picks the new request up
    if (this.timer && delayMs > 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flushAll();
    }, delayMs);
  }

  /** One flush loop at a time, so batches reach the bus or the spool in submission order. */
  private flushAll(): Promise<void> {
    this.flushing ??= (async () => {
      try {
        while (this.queue.length > 0) await this.flushOne(this.takeBatch());
      } finally {
        this.flushing = undefined;
      }
    })();
    return this.flushing;
  }

  /**
   * Whole requests only, so one request's events are all published or all spooled. Under a backlog
   * the batch grows (up to BACKLOG_BATCH_FACTOR times the flush size): only one publish is in flight
   * (that is what keeps per-rollout order across a failure), so throughput comes from larger batches.
   */
  private takeBatch(): PendingRequest[] {
    const batch: PendingRequest[] = [];
    let events = 0;
    const limit = this.queuedEvents > this.options.maxBatchEvents ? this.options.maxBatchEvents * BACKLOG_BATCH_FACTOR : this.options.maxBatchEvents;
    while (this.queue.length > 0) {
      const next = this.queue[0]!;
      if (batch.length > 0 && events + next.messages.length > limit) break;
      batch.push(this.queue.shift()!);
      events += next.messages.length;
    }
    this.queuedEvents -= events;
    return batch;
  }

  private async flushOne(batch: PendingRequest[]): Promise<void> {
    const { spool, metrics } = this.options;
    let published = 0;
    let inFlight: InFlightPublish | undefined;
    // While the spool holds anything (or a timed-out publish may still land), new messages queue
    // behind it: per-rollout order is kept.
    if (spool.isEmpty() && !this.spooledInFlight) {
      const messages = batch.flatMap((r) => r.messages);
      const result = await this.publish(messages, 'direct');
      if (result.error === undefined) {
        for (const request of batch) request.resolve();
        return;
      }
      published = result.published;
      inFlight = result.inFlight;
      this.options.logger.warn({ err: errorMessage(result.error), events: messages.length - published, inFlight: inFlight?.messages.length ?? 0 }, 'publish failed; spooling to disk');
    }
    // Per request, so a full spool refuses only the requests that do not fit; the part of a
    // request that already reached the bus is not spooled again. The in-flight chunk comes first
    // in what is spooled (the spool was empty), so it is the head of the spool.
    let inFlightLeft = inFlight?.messages.length ?? 0;
    let inFlightSpooled = 0;
    for (const request of batch) {
      const skip = Math.min(published, request.messages.length);
      published -= skip;
      const rest = request.messages.slice(skip);
      const inFlightHere = Math.min(inFlightLeft, rest.length);
      inFlightLeft -= inFlightHere;
      try {
        await spool.append(rest);
        inFlightSpooled += inFlightHere;
        for (const [source, count] of countBy(rest, HEADER_SOURCE)) metrics.spooled.inc({ source }, count);
        request.resolve();
      } catch (error) {
        request.reject(error);
      }
    }
    if (inFlight) {
      // Only what reached the spool can be acknowledged there; a refused request's part of the
      // publish is the client's to retry (it got a 503), as before.
      this.spooledInFlight = { publish: inFlight, count: inFlightSpooled };
    }
    this.wakeDrainer();
  }

  /** Publishes in size-capped chunks, in order; stops at the first failure and says how far it got. */
  private async publish(messages: BusMessage[], path: 'direct' | 'replay'): Promise<PublishResult> {
    let published = 0;
    // Replayed batches are already size-capped by the spool's peek: publish them whole, so a retry
    // never re-sends a chunk that made it.
    const chunks = path === 'replay' ? [messages] : chunkBySize(messages, this.maxPublishBytes);
    for (const chunk of chunks) {
      const end = this.options.metrics.produceDuration.startTimer({ path });
      const send = this.options.bus.publish(this.options.topic, chunk);
      const outcome = await settleWithin(send, this.options.publishTimeoutMs);
      if (outcome !== 'ok') {
        end({ outcome: 'error' });
        const error = outcome === 'timeout' ? new UnavailableError(`bus publish timed out after ${this.options.publishTimeoutMs} ms`) : outcome.error;
        this.noteError(error);
        if (outcome !== 'timeout') return { published, error };
        const landed = send.then(
          () => {
            this.countProduced(chunk);
            return true;
          },
          () => false,
        );
        return { published, error, inFlight: { messages: chunk, landed } };
      }
      end({ outcome: 'ok' });
      published += chunk.length;
      this.countProduced(chunk);
    }
    return { published };
  }

  private countProduced(messages: BusMessage[]): void {
    for (const { source, type, count } of countBySourceAndType(messages)) this.options.metrics.produced.inc({ source, type }, count);
  }

  /** Resolves with the in-flight publish's outcome, or undefined if the drainer is aborted first. */
  private awaitLanding(publish: InFlightPublish): Promise<boolean | undefined> {
    const signal = this.drainAbort.signal;
    if (signal.aborted) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const onAbort = () => resolve(undefined);
      signal.addEventListener('abort', onAbort, { once: true });
      void publish.landed.then((landed) => {
        signal.removeEventListener('abort', onAbort);
        resolve(landed);
      });
    });
  }

  /**
   * Settles the timed-out direct publish at the head of the spool: landed = acknowledge its spool
   * records (no replay, no copy); rejected = leave them for the replay. False when aborted.
   */
  private async settleSpooledInFlight(): Promise<boolean> {
    const entry = this.spooledInFlight;
    if (!entry) return true;
    const { spool, logger } = this.options;
    const landed = await this.awaitLanding(entry.publish);
    if (landed === undefined) return false;
    this.spooledInFlight = undefined;
    if (!landed || entry.count === 0) return true;
    const head = await spool.peek(entry.count, Number.MAX_SAFE_INTEGER);
    if (head.messages.length !== entry.count || !sameMessages(head.messages, entry.publish.messages)) {
      // Never expected (the spool was empty when the publish started); replaying is the safe side.
      logger.error({ expected: entry.count, found: head.messages.length }, 'spool head does not match a landed publish; replaying it');
      return true;
    }
    await spool.ack(head.next, head.messages.length, head.bytes);
    logger.info({ events: entry.count }, 'a timed-out publish landed after all; its spooled copy is acknowledged, not replayed');
    return true;
  }

  private wakeDrainer(): void {
    if (this.draining || !this.hasWork() || this.drainAbort.signal.aborted) return;
    this.draining = this.drain().finally(() => {
      this.draining = undefined;
      // An append may have landed after the last peek.
      if (this.hasWork() && !this.drainAbort.signal.aborted) this.wakeDrainer();
    });
  }

  /** Spooled messages, or a timed-out publish whose outcome must be known before direct publishing resumes. */
  private hasWork(): boolean {
    return !this.options.spool.isEmpty() || this.spooledInFlight !== undefined;
  }

  private async drain(): Promise<void> {
    const { spool, logger } = this.options;
    while (this.hasWork() && !this.drainAbort.signal.aborted) {
      if (!(await this.settleSpooledInFlight())) return; // aborted (shutdown)
      if (spool.isEmpty()) break;
      const batch = await spool.peek(this.options.maxBatchEvents, this.maxPublishBytes);
      if (batch.messages.length > 0) {
        const outcome = await retry<void>(
          async () => {
            const result = await this.publish(batch.messages, 'replay');
            if (result.error === undefined) return { status: 'success', value: undefined };
            // A replay that timed out may still land: wait for its outcome rather than send it twice.
            const landed = result.inFlight ? await this.awaitLanding(result.inFlight) : false;
            if (landed === undefined) return { status: 'failure', error: 'aborted' };
            return landed ? { status: 'success', value: undefined } : { status: 'retryable', error: errorMessage(result.error) };
          },
          {
            maxAttempts: Number.MAX_SAFE_INTEGER,
            initialDelayMs: 500,
            maxDelayMs: 30_000,
            deadlineMs: undefined,
            ...this.options.drainRetry,
            signal: this.drainAbort.signal,
            onRetry: ({ attempt, delayMs, error }) => {
              if (attempt === 1 || attempt % 10 === 0) logger.warn({ attempt, delayMs, err: error, spooled: spool.events }, 'spool replay: bus still unavailable');
            },
          },
        );
        if (outcome.result.status !== 'success') return; // aborted (shutdown)
      }
      await spool.ack(batch.next, batch.messages.length, batch.bytes);
      if (spool.isEmpty()) logger.info('spool replayed; publishing directly again');
    }
  }

  private noteError(error: unknown): void {
    this.lastError = { message: errorMessage(error), at: new Date().toISOString() };
  }
}

function countBy(messages: BusMessage[], header: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of messages) {
    const value = m.headers?.[header] ?? 'unknown';
    counts.set(value, (counts.get(value) ?? 0) + 1);
  }
  return counts;
}

/** Per (source, type) header pair, so a publish updates each labelled counter once. */
function countBySourceAndType(messages: BusMessage[]): { source: string; type: string; count: number }[] {
  const counts = new Map<string, { source: string; type: string; count: number }>();
  for (const m of messages) {
    const source = m.headers?.[HEADER_SOURCE] ?? 'unknown';
    const type = m.headers?.[HEADER_TYPE] ?? 'unknown';
    const key = `${source}\u0000${type}`;
    const entry = counts.get(key);
    if (entry) entry.count++;
    else counts.set(key, { source, type, count: 1 });
  }
  return [...counts.values()];
}

/** Splits keeping order; a single oversized message still goes alone (the broker decides). */
export function chunkBySize(messages: BusMessage[], maxBytes: number): BusMessage[][] {
  const chunks: BusMessage[][] = [];
  let current: BusMessage[] = [];
  let size = 0;
  for (const message of messages) {
    const bytes = Buffer.byteLength(message.value) + Buffer.byteLength(message.key) + 64;
    if (current.length > 0 && size + bytes > maxBytes) {
      chunks.push(current);
      current = [];
      size = 0;
    }
    current.push(message);
    size += bytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** Waits up to `ms` for the promise, without abandoning it: the caller keeps it to learn the end. */
function settleWithin(promise: Promise<unknown>, ms: number): Promise<'ok' | 'timeout' | { error: unknown }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  const settled = promise.then(
    () => 'ok' as const,
    (error: unknown) => ({ error }),
  );
  return Promise.race([settled, timeout]).finally(() => clearTimeout(timer));
}

/** Cheap identity check of the spool head against the publish it should be (keys and values). */
function sameMessages(head: BusMessage[], expected: BusMessage[]): boolean {
  return head.every((m, i) => m.key === expected[i]!.key && m.value === expected[i]!.value);
}
