import type Docker from 'dockerode';
import type { Logger } from '@rollwatch/core';
import type { SourceEvent } from '../interface.js';
import { nanosToSinceParam } from './engine-types.js';
import { rfc3339ToNanos } from './demux.js';
import type { TrackedContainer } from './event-mapping.js';
import type { EngineFacts } from './host-attributes.js';
import { ContainerLogDecoder, type LogLineOptions } from './log-lines.js';
import { TokenBucket } from './log-filter.js';
import { EngineDeadlineError } from './engine-call.js';

export interface LogTailerOptions extends LogLineOptions {
  ratePerSecond: number;
  burst: number;
}

/** Runs one engine request under the source's deadline and stop signal (see engine-call.ts). */
export type EngineCaller = <T>(what: string, request: (signal: AbortSignal) => Promise<T>) => Promise<T>;

/** Where forwarded events go; resolves once they are durably accepted (backpressure on the stream). */
export type LogEmit = (events: SourceEvent[]) => Promise<void>;

interface Tail {
  stream: NodeJS.ReadableStream & { destroy?: () => void };
}

/**
 * Follows the logs of running containers (one request per container, from its start, with
 * timestamps), and forwards warn/error lines. A tail ends when the container stops; the next start
 * opens a new one that resumes after the last line read, so restarts neither lose nor repeat lines.
 */
export class LogTailer {
  private readonly tails = new Map<string, Tail>();
  /** One bucket per container for the source's lifetime: a crash loop must not reset its cap. */
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly resumeFrom = new Map<string, bigint>();
  /** Started again while its previous tail was still draining: follow again once that one ends. */
  private readonly again = new Map<string, { container: TrackedContainer; facts: EngineFacts; sinceNs: bigint }>();
  private stopped = false;

  constructor(
    private readonly docker: Docker,
    private readonly options: LogTailerOptions,
    private readonly emit: LogEmit,
    private readonly logger: Logger,
    private readonly onSuppressed: (container: TrackedContainer, count: number) => void,
    private readonly call: EngineCaller,
  ) {}

  isTailing(containerId: string): boolean {
    return this.tails.has(containerId);
  }

  /** Lines suppressed by the rate cap per container id. */
  suppressedCounts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const [id, bucket] of this.buckets) counts[id] = bucket.suppressed;
    return counts;
  }

  /** Starts following `container` from `sinceNs` (its start) unless it is already followed. */
  ensure(container: TrackedContainer, facts: EngineFacts, sinceNs: bigint): void {
    if (this.stopped) return;
    if (this.tails.has(container.id)) {
      // The running tail may belong to the previous run (it ends with that run's exit).
      this.again.set(container.id, { container, facts, sinceNs });
      return;
    }
    const resume = this.resumeFrom.get(container.id);
    const from = resume !== undefined && resume > sinceNs ? resume : sinceNs;
    const placeholder: Tail = { stream: undefined as unknown as Tail['stream'] };
    this.tails.set(container.id, placeholder);
    void this.follow(container, facts, from, placeholder).then((ended) => {
      if (this.tails.get(container.id) !== placeholder) return; // forgotten or stopped meanwhile
      this.tails.delete(container.id);
      const next = this.again.get(container.id);
      this.again.delete(container.id);
      if (next) this.ensure(next.container, next.facts, next.sinceNs);
      // Unanswered, not ended: ask again from the last line read (nothing in between is lost).
      else if (ended === 'unanswered') this.ensure(container, facts, from);
    });
  }

  forget(containerId: string): void {
    this.tails.get(containerId)?.stream?.destroy?.();
    this.tails.delete(containerId);
    this.again.delete(containerId);
    this.buckets.delete(containerId);
    this.resumeFrom.delete(containerId);
  }

  stop(): void {
    this.stopped = true;
    for (const tail of this.tails.values()) tail.stream?.destroy?.();
    this.tails.clear();
  }

  private bucketFor(id: string): TokenBucket {
    let bucket = this.buckets.get(id);
    if (!bucket) {
      bucket = new TokenBucket(this.options.ratePerSecond, this.options.burst, Date.now());
      this.buckets.set(id, bucket);
    }
    return bucket;
  }

  /**
   * Follows until the stream ends. 'unanswered': the request got no response headers in time.
   * Podman 4 sends a log follow's headers only with the container's first line, so a quiet
   * container's tail would otherwise be dropped for good and its later lines never read.
   */
  private async follow(container: TrackedContainer, facts: EngineFacts, sinceNs: bigint, tail: Tail): Promise<'ended' | 'unanswered'> {
    const bucket = this.bucketFor(container.id);
    const decoder = new ContainerLogDecoder(container, facts, bucket, this.options);
    const suppressedBefore = bucket.suppressed;
    let stream: Tail['stream'];
    try {
      // The deadline covers opening the stream (the response headers), not following it.
      stream = (await this.call('GET /containers/{id}/logs', (abortSignal) =>
        this.docker.getContainer(container.id).logs({
          follow: true, stdout: true, stderr: true, timestamps: true,
          // `since` has whole-second precision on some engines; lines already read dedupe by id.
          since: nanosToSinceParam(sinceNs) as unknown as number,
          abortSignal,
        }),
      )) as unknown as Tail['stream'];
    } catch (error) {
      if (this.stopped) return 'ended';
      if (error instanceof EngineDeadlineError) {
        this.logger.debug({ container: container.name }, 'docker: log follow not answered yet (a quiet container on Podman); asking again');
        return 'unanswered';
      }
      this.logger.warn({ err: error, container: container.name }, 'docker: log tail could not be opened');
      return 'ended';
    }
    try {
      tail.stream = stream;
      if (this.stopped) stream.destroy?.();
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        const events = decoder.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk), Date.now());
        if (events.length) await this.emit(events);
        this.remember(container.id, decoder.lastTimestamp);
      }
      const rest = decoder.flush(Date.now());
      if (rest.length) await this.emit(rest);
      this.remember(container.id, decoder.lastTimestamp);
    } catch (error) {
      if (!this.stopped) this.logger.warn({ err: error, container: container.name }, 'docker: log tail ended with an error');
    } finally {
      const suppressed = bucket.suppressed - suppressedBefore;
      if (suppressed > 0) this.onSuppressed(container, suppressed);
    }
    return 'ended';
  }

  private remember(id: string, timestamp: string | undefined): void {
    if (!timestamp) return;
    const ns = rfc3339ToNanos(timestamp);
    if (ns !== undefined) this.resumeFrom.set(id, ns);
  }
}
