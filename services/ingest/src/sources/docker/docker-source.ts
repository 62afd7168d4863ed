import Docker from 'dockerode';
import { Counter, errorMessage, retry, type Logger } from '@rollwatch/core';
import type { IngestConfig } from '../../config.js';
import type { EventSink, Source, SourceEvent, SourceStatus } from '../interface.js';
import { resolveDockerSourceConfig, type DockerSourceConfig } from './config.js';
import { LineSplitter, rfc3339ToNanos } from './demux.js';
import { describeEndpoint, dockerodeOptions, parseDockerHost } from './engine-connection.js';
import { nanosToSinceParam, parseEngineEventLine, toContainerSnapshot, type ContainerSnapshot, type EngineEvent } from './engine-types.js';
import { holdsNewerHealthCheck, onDie, onHealth, onOom, onStart, trackFromEvent, trackFromSnapshot, type TrackedContainer } from './event-mapping.js';
import { engineCall } from './engine-call.js';
import { engineFacts, type EngineFacts } from './host-attributes.js';
import { LogTailer } from './log-tailer.js';
import { reconcileContainer } from './reconcile.js';
import { SeenIds } from './seen-ids.js';

/** Replays start this far before the last event seen: engines differ on whether `since` is inclusive. */
const REPLAY_OVERLAP_NS = 1_000_000_000n;
/**
 * Podman 4 records a health check's result a moment after its event: poll inspect this long. The
 * moment grows with the engine's load (CI once saw a first check unrecorded at the first inspect).
 */
const HEALTH_SETTLE_TIMEOUT_MS = 5000;
const INSPECT_CONCURRENCY = 4;

/** dockerode accepts `{ abortSignal }` on info/version at runtime; its typings only list a callback. */
type AbortableSystemCalls = { info(opts: { abortSignal: AbortSignal }): Promise<unknown>; version(opts: { abortSignal: AbortSignal }): Promise<Docker.DockerVersion> };

type EventStream = NodeJS.ReadableStream & { destroy?: () => void };

/**
 * Watches a Docker engine (or Podman's Docker-compatible API): container lifecycle from `/events`,
 * warn/error log lines from `/containers/{id}/logs`, host facts from `/info` + `/version`.
 */
export class DockerSource implements Source {
  readonly name = 'docker';
  /** Prometheus counters; the service registers them in its registry (`registry.registerMetric`). */
  readonly metrics = {
    events: new Counter({ name: 'rollwatch_ingest_docker_events_total', help: 'Events emitted by the Docker source, by type.', labelNames: ['type'], registers: [] }),
    reconnects: new Counter({ name: 'rollwatch_ingest_docker_reconnects_total', help: 'Reconnects of the Docker event stream.', registers: [] }),
    duplicates: new Counter({ name: 'rollwatch_ingest_docker_duplicates_dropped_total', help: 'Engine facts seen again after a reconnect and dropped.', registers: [] }),
    logLinesSuppressed: new Counter({ name: 'rollwatch_ingest_docker_log_lines_suppressed_total', help: 'Matching log lines not forwarded because of the per-container rate cap.', labelNames: ['workload'], registers: [] }),
  };

  private readonly docker: Docker;
  private readonly tracked = new Map<string, TrackedContainer>();
  private readonly seen: SeenIds;
  private readonly logs: LogTailer | undefined;
  private readonly abort = new AbortController();
  private sink: EventSink | undefined;
  private facts: EngineFacts | undefined;
  private stream: EventStream | undefined;
  private loop: Promise<void> | undefined;
  /** Engine time of the newest event applied (emitted durably): where a reconnect resumes. */
  private lastSeenNs: bigint | undefined;
  /**
   * When start() was called (host clock, ns). The first connection replays the engine's events
   * since then: its boundary is the engine time of its first GET /info, which Podman can answer
   * seconds later, and a container that started and exited in between was otherwise never seen
   * (reconcile's first pass learns the present and emits nothing for an exited container).
   */
  private startedNs: bigint | undefined;
  private connected = false;
  private lastEventAt: string | undefined;
  private lastError: string | undefined;
  private reconnects = 0;

  constructor(
    private readonly config: DockerSourceConfig,
    private readonly logger: Logger,
  ) {
    this.docker = new Docker(dockerodeOptions(config));
    this.seen = new SeenIds(config.INGEST_DOCKER_DEDUPE_WINDOW);
    if (config.INGEST_DOCKER_LOGS) {
      this.logs = new LogTailer(
        this.docker,
        { patterns: config.INGEST_DOCKER_LOG_PATTERNS, maxLineChars: config.INGEST_DOCKER_LOG_MAX_LINE, ratePerSecond: config.INGEST_DOCKER_LOG_RATE, burst: config.INGEST_DOCKER_LOG_BURST },
        (events) => this.emit(events),
        logger,
        (c, count) => this.metrics.logLinesSuppressed.inc({ workload: c.labels['rollwatch.io/workload'] ?? c.name }, count),
        (what, request) => this.call(what, request),
      );
    }
  }

  async start(sink: EventSink): Promise<void> {
    if (this.loop) throw new Error('docker source already started');
    this.sink = sink;
    this.startedNs = BigInt(Date.now()) * 1_000_000n;
    this.logger.info({ engine: describeEndpoint(parseDockerHost(this.config.DOCKER_HOST, this.config.DOCKER_TLS_VERIFY)) }, 'docker: starting');
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    this.stream?.destroy?.();
    this.logs?.stop();
    await this.loop;
    this.connected = false;
  }

  status(): SourceStatus {
    const s: SourceStatus = { name: this.name, connected: this.connected, reconnects: this.reconnects };
    if (this.lastEventAt) s.lastEventAt = this.lastEventAt;
    if (this.lastError) s.lastError = this.lastError;
    return s;
  }

  /** Rate-capped log lines per container id (also exported as a Prometheus counter). */
  suppressedLogLines(): Record<string, number> {
    return this.logs?.suppressedCounts() ?? {};
  }

  /** Connect → replay → reconcile → stream, until stopped; each drop reconnects with backoff. */
  private async run(): Promise<void> {
    let first = true;
    while (!this.abort.signal.aborted) {
      const outcome = await retry<EventStream>(
        async () => {
          try {
            return { status: 'success', value: await this.connect(first) };
          } catch (error) {
            this.noteError(error);
            return { status: 'retryable', error: errorMessage(error) };
          }
        },
        {
          maxAttempts: Number.POSITIVE_INFINITY, deadlineMs: undefined, signal: this.abort.signal,
          initialDelayMs: this.config.INGEST_DOCKER_BACKOFF_INITIAL_MS, maxDelayMs: this.config.INGEST_DOCKER_BACKOFF_MAX_MS,
          onRetry: ({ attempt, delayMs, error }) => this.logger.warn({ attempt, delayMs, error }, 'docker: engine unavailable, retrying'),
        },
      );
      if (outcome.result.status !== 'success') break;
      first = false;
      this.connected = true;
      this.lastError = undefined;
      try {
        await this.consume(outcome.result.value);
        if (!this.abort.signal.aborted) this.lastError = 'event stream ended';
      } catch (error) {
        if (!this.abort.signal.aborted) this.noteError(error);
      }
      this.connected = false;
      this.stream = undefined;
      if (this.abort.signal.aborted) break;
      this.reconnects += 1;
      this.metrics.reconnects.inc();
      this.logger.warn({ lastError: this.lastError, since: this.lastSeenNs?.toString() }, 'docker: event stream dropped, reconnecting');
    }
  }

  private noteError(error: unknown): void {
    this.lastError = errorMessage(error);
  }

  /** One session's set-up; returns the live event stream. */
  private async connect(first: boolean): Promise<EventStream> {
    const [info, version] = await Promise.all([
      this.call('GET /info', (abortSignal) => (this.docker as AbortableSystemCalls).info({ abortSignal }) as Promise<unknown>),
      this.call('GET /version', (abortSignal) => (this.docker as AbortableSystemCalls).version({ abortSignal })),
    ]);
    // Re-read on every connection: the engine may have been upgraded while we were away.
    this.facts = engineFacts(info, version);
    const engineNow = rfc3339ToNanos(String((info as { SystemTime?: string }).SystemTime ?? '')) ?? BigInt(Date.now()) * 1_000_000n;
    const boundaryNs = engineNow;
    // What happened while no stream was open: since the last event seen (a reconnect), or since
    // start() (the first connection). Duplicates of the live stream are dropped by event id.
    const missedSince = first ? this.startedNs : this.lastSeenNs;
    if (missedSince !== undefined && missedSince < boundaryNs) await this.replay(missedSince - REPLAY_OVERLAP_NS, boundaryNs);
    await this.reconcile(boundaryNs, first);
    const stream = await this.openEvents({ since: nanosToSinceParam(boundaryNs), filters: this.eventFilters() });
    this.stream = stream;
    if (this.lastSeenNs === undefined || this.lastSeenNs < boundaryNs) this.lastSeenNs = boundaryNs;
    if (this.abort.signal.aborted) stream.destroy?.();
    return stream;
  }

  private eventFilters(): Record<string, string[]> {
    const filters: Record<string, string[]> = { type: ['container'] };
    if (this.config.INGEST_DOCKER_LABEL_FILTER) filters.label = [this.config.INGEST_DOCKER_LABEL_FILTER];
    return filters;
  }

  /** The events missed while disconnected, as far as the engine's ring still has them. */
  private async replay(sinceNs: bigint, untilNs: bigint): Promise<void> {
    const podman = this.facts?.engine === 'podman';
    // Docker ends a bounded query at `until`. Podman 4 returns nothing when `until` is set, but ends
    // the response after the history with `stream=false` (the overlap with the live stream dedupes).
    const query = podman
      ? { since: nanosToSinceParam(sinceNs), stream: false, filters: this.eventFilters() }
      : { since: nanosToSinceParam(sinceNs), until: nanosToSinceParam(untilNs), filters: this.eventFilters() };
    const stream = await this.openEvents(query);
    this.stream = stream;
    await this.consume(stream);
  }

  /** Opens `/events`; the deadline covers the response headers only, not the (endless) stream. */
  private openEvents(query: Record<string, unknown>): Promise<EventStream> {
    return this.call('GET /events', async (abortSignal) => {
      const stream = (await this.docker.getEvents({ ...query, abortSignal } as unknown as Docker.GetEventsOptions)) as EventStream;
      // Opened after the deadline or a stop: nobody will read it.
      if (this.abort.signal.aborted) stream.destroy?.();
      return stream;
    });
  }

  /** One engine request under INGEST_DOCKER_REQUEST_TIMEOUT_MS and the stop signal (see engine-call.ts). */
  private call<T>(what: string, request: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return engineCall(what, this.config.INGEST_DOCKER_REQUEST_TIMEOUT_MS, this.abort.signal, request);
  }

  /** Lists every container and repairs what the events missed (see reconcile.ts). */
  private async reconcile(boundaryNs: bigint, initial: boolean): Promise<void> {
    const filters: Record<string, string[]> = this.config.INGEST_DOCKER_LABEL_FILTER ? { label: [this.config.INGEST_DOCKER_LABEL_FILTER] } : {};
    const list = await this.call('GET /containers/json', (abortSignal) => this.docker.listContainers({ all: true, filters, abortSignal }));
    const present = new Set(list.map((c) => c.Id));
    for (const id of this.tracked.keys()) if (!present.has(id)) this.forget(id);
    const snapshots: ContainerSnapshot[] = [];
    for (let i = 0; i < list.length; i += INSPECT_CONCURRENCY) {
      const batch = await Promise.all(list.slice(i, i + INSPECT_CONCURRENCY).map((c) => this.inspect(c.Id)));
      for (const s of batch) if (s) snapshots.push(s);
    }
    const facts = this.facts!;
    for (const snap of snapshots) {
      const { events, next } = reconcileContainer(this.tracked.get(snap.id), snap, boundaryNs, facts, initial);
      this.tracked.set(snap.id, next);
      await this.emit(events);
      if (snap.running && snap.startedAtNs !== undefined) this.logs?.ensure(next, facts, snap.startedAtNs);
    }
  }

  private async inspect(id: string): Promise<ContainerSnapshot | undefined> {
    try {
      return toContainerSnapshot(await this.call('GET /containers/{id}/json', (abortSignal) => this.docker.getContainer(id).inspect({ abortSignal })));
    } catch (error) {
      // 404: removed in the meantime (`--rm`); anything else is logged and treated alike.
      if ((error as { statusCode?: number }).statusCode !== 404) this.logger.debug({ err: error, id }, 'docker: inspect failed');
      return undefined;
    }
  }

  /** Applies a stream of raw event lines in order; resolves when the stream ends. */
  private async consume(stream: EventStream): Promise<void> {
    const lines = new LineSplitter();
    for await (const chunk of stream as AsyncIterable<Buffer | string>) {
      for (const line of lines.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk))) {
        const event = parseEngineEventLine(line);
        if (event) await this.apply(event);
      }
    }
    for (const line of lines.flush()) {
      const event = parseEngineEventLine(line);
      if (event) await this.apply(event);
    }
  }

  private async apply(ev: EngineEvent): Promise<void> {
    const facts = this.facts!;
    let events: SourceEvent[] = [];
    switch (ev.action) {
      case 'create': {
        if (!this.tracked.has(ev.containerId)) {
          const snap = await this.inspect(ev.containerId);
          this.tracked.set(ev.containerId, snap ? { ...trackFromSnapshot(snap), restartCount: 0, lastStartNs: 0n, lastDieNs: 0n, hasDied: false } : trackFromEvent(ev));
        }
        break;
      }
      case 'start': {
        const c = await this.track(ev);
        events = onStart(c, ev, facts);
        this.logs?.ensure(c, facts, ev.timeNano - REPLAY_OVERLAP_NS);
        break;
      }
      case 'die': {
        const c = await this.track(ev);
        events = onDie(c, ev, facts, await this.inspect(ev.containerId));
        break;
      }
      case 'oom':
        events = onOom(await this.track(ev), ev, facts);
        break;
      case 'health_status': {
        const c = await this.track(ev);
        events = onHealth(c, ev, facts, ev.healthStatusFrom === 'field' ? await this.settledHealth(c) : undefined);
        break;
      }
      case 'destroy':
      case 'remove':
        this.forget(ev.containerId);
        break;
      default:
        break;
    }
    await this.emit(events);
    if (this.lastSeenNs === undefined || ev.timeNano > this.lastSeenNs) this.lastSeenNs = ev.timeNano;
    this.lastEventAt = new Date().toISOString();
  }

  /** Podman: inspect until the check behind the event is recorded (or give up and use what is there). */
  private async settledHealth(c: TrackedContainer): Promise<ContainerSnapshot | undefined> {
    const deadline = Date.now() + HEALTH_SETTLE_TIMEOUT_MS;
    let snap = await this.inspect(c.id);
    while (!holdsNewerHealthCheck(c, snap) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      snap = await this.inspect(c.id);
    }
    return snap;
  }

  private async track(ev: EngineEvent): Promise<TrackedContainer> {
    let c = this.tracked.get(ev.containerId);
    if (!c) {
      const snap = await this.inspect(ev.containerId);
      // First sighting mid-life: what the engine says now, minus the fact this event reports.
      c = snap ? { ...trackFromSnapshot(snap), lastStartNs: 0n, lastDieNs: 0n, hasDied: snap.restartCount > 0 } : trackFromEvent(ev);
      this.tracked.set(ev.containerId, c);
    }
    return c;
  }

  private forget(id: string): void {
    this.tracked.delete(id);
    this.logs?.forget(id);
  }

  /** Sends new events (dropping replays by id) and waits until the sink has them durably. */
  private async emit(events: SourceEvent[]): Promise<void> {
    const fresh = events.filter((e) => {
      if (e.id && this.seen.has(e.id)) {
        this.metrics.duplicates.inc();
        return false;
      }
      return true;
    });
    if (!fresh.length || !this.sink) return;
    await this.sink.emit(fresh);
    for (const e of fresh) {
      if (e.id) this.seen.add(e.id);
      this.metrics.events.inc({ type: e.type });
    }
  }
}

/** The factory's entry point. `config` is the ingest service config (docker fields: dockerSourceConfigShape). */
export function createDockerSource(config: IngestConfig | Partial<DockerSourceConfig>, logger: Logger): Source {
  return new DockerSource(resolveDockerSourceConfig(config), logger);
}
