import type { SourceEvent } from '../interface.js';
import { DemuxParser, LineSplitter, splitTimestamp, type StreamName } from './demux.js';
import { baseEvent, dockerEventId, type TrackedContainer } from './event-mapping.js';
import type { EngineFacts } from './host-attributes.js';
import { classifyLine, TokenBucket, type LogPattern } from './log-filter.js';

export interface LogLineOptions {
  patterns: readonly LogPattern[];
  maxLineChars: number;
}

/**
 * Turns a container's raw log bytes (multiplexed without TTY, raw with TTY, requested with
 * `timestamps=true`) into `log` events for the lines that match a pattern and fit the rate cap.
 * Pure apart from the clock passed in; the I/O lives in log-tailer.ts.
 */
export class ContainerLogDecoder {
  private readonly demux: DemuxParser | undefined;
  private readonly splitters = new Map<StreamName | 'tty', LineSplitter>();
  /** Timestamp (verbatim) of the latest line read, forwarded or not: where to resume after a drop. */
  lastTimestamp: string | undefined;
  /**
   * Occurrences of each line within the current timestamp. Podman's timestamps have whole-second
   * precision, so a crash loop prints the same line at the same timestamp several times: the
   * ordinal keeps those distinct while a re-read (which restarts at that second) maps to the same ids.
   */
  private occurrences = new Map<string, number>();

  constructor(
    private readonly container: TrackedContainer,
    private readonly facts: EngineFacts,
    private readonly bucket: TokenBucket,
    private readonly options: LogLineOptions,
  ) {
    this.demux = container.tty ? undefined : new DemuxParser();
  }

  /** Feeds a chunk of the log stream; returns the events to forward. */
  push(chunk: Buffer, nowMs: number): SourceEvent[] {
    const lines: { stream: StreamName | 'tty'; line: string }[] = [];
    if (this.demux) {
      for (const frame of this.demux.push(chunk)) {
        if (frame.stream === 'stdin') continue;
        for (const line of this.splitter(frame.stream).push(frame.payload)) lines.push({ stream: frame.stream, line });
      }
    } else {
      for (const line of this.splitter('tty').push(chunk)) lines.push({ stream: 'tty', line });
    }
    return this.toEvents(lines, nowMs);
  }

  /** At the end of the stream: the last line may lack its newline. */
  flush(nowMs: number): SourceEvent[] {
    const lines: { stream: StreamName | 'tty'; line: string }[] = [];
    for (const [stream, splitter] of this.splitters) for (const line of splitter.flush()) lines.push({ stream, line });
    return this.toEvents(lines, nowMs);
  }

  private splitter(stream: StreamName | 'tty'): LineSplitter {
    let s = this.splitters.get(stream);
    if (!s) {
      s = new LineSplitter();
      this.splitters.set(stream, s);
    }
    return s;
  }

  private toEvents(lines: { stream: StreamName | 'tty'; line: string }[], nowMs: number): SourceEvent[] {
    const events: SourceEvent[] = [];
    for (const { stream, line } of lines) {
      const parsed = splitTimestamp(line);
      if (parsed.timestamp !== this.lastTimestamp) this.occurrences.clear();
      if (parsed.timestamp) this.lastTimestamp = parsed.timestamp;
      const text = parsed.text.trimEnd();
      if (!text) continue;
      const key = `${stream}\0${text}`;
      const ordinal = (this.occurrences.get(key) ?? 0) + 1;
      this.occurrences.set(key, ordinal);
      const level = classifyLine(text, this.options.patterns);
      if (!level) continue;
      if (!this.bucket.take(nowMs)) continue;
      const message = text.length > this.options.maxLineChars ? text.slice(0, this.options.maxLineChars) : text;
      events.push({
        ...baseEvent(this.container, this.facts),
        type: 'log',
        level,
        message,
        time: parsed.timeMs ?? nowMs,
        // Same line at the same engine timestamp = same event, so a re-read after a reconnect dedupes.
        id: dockerEventId(this.container.id, 'log', `${parsed.timestamp ?? nowMs}\0${ordinal}\0${stream}\0${text}`),
      });
    }
    return events;
  }
}
