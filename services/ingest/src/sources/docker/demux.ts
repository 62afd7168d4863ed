/**
 * Parser of the Engine API's multiplexed log stream (containers without a TTY): frames of an 8-byte
 * header [stream type (0 stdin, 1 stdout, 2 stderr), 0, 0, 0, uint32 big-endian length] followed by
 * the payload. Frames may be split across chunks anywhere, including inside the header. With a TTY
 * the stream is raw bytes; `LogLineSplitter` below handles both.
 */
export type StreamName = 'stdin' | 'stdout' | 'stderr';

export interface Frame {
  stream: StreamName;
  payload: Buffer;
}

const STREAMS: Record<number, StreamName> = { 0: 'stdin', 1: 'stdout', 2: 'stderr' };
const HEADER_BYTES = 8;

export class DemuxParser {
  private pending: Buffer = Buffer.alloc(0);

  /** Feeds a chunk; returns the frames it completes (possibly none). */
  push(chunk: Buffer): Frame[] {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const frames: Frame[] = [];
    let offset = 0;
    while (this.pending.length - offset >= HEADER_BYTES) {
      const type = this.pending[offset]!;
      const stream = STREAMS[type];
      if (stream === undefined || this.pending[offset + 1] !== 0 || this.pending[offset + 2] !== 0 || this.pending[offset + 3] !== 0) {
        throw new Error(`not a multiplexed log stream (header byte ${type} at offset ${offset})`);
      }
      const length = this.pending.readUInt32BE(offset + 4);
      if (this.pending.length - offset - HEADER_BYTES < length) break;
      const start = offset + HEADER_BYTES;
      frames.push({ stream, payload: this.pending.subarray(start, start + length) });
      offset = start + length;
    }
    this.pending = this.pending.subarray(offset);
    return frames;
  }

  /** Bytes of an incomplete frame still waiting for the rest. */
  get bufferedBytes(): number {
    return this.pending.length;
  }
}

/** Splits a byte stream into lines; a partial last line waits for its newline (or `flush`). */
export class LineSplitter {
  private partial = '';
  private readonly decoder = new TextDecoder('utf-8');

  constructor(private readonly maxLineChars = 65_536) {}

  push(chunk: Buffer): string[] {
    const text = this.partial + this.decoder.decode(chunk, { stream: true });
    const parts = text.split('\n');
    this.partial = parts.pop() ?? '';
    // A line that never ends must not grow without bound: cut it and carry on.
    if (this.partial.length > this.maxLineChars) {
      parts.push(this.partial);
      this.partial = '';
    }
    return parts.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  }

  flush(): string[] {
    const rest = this.partial + this.decoder.decode();
    this.partial = '';
    return rest ? [rest] : [];
  }
}

/** A line as requested with `timestamps=true`: "<RFC3339Nano> <text>". */
export interface TimestampedLine {
  /** The engine's timestamp verbatim (nanosecond precision, used in ids and as resume point). */
  timestamp?: string;
  timeMs?: number;
  text: string;
}

const TIMESTAMP_PREFIX = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})) ?/;

export function splitTimestamp(line: string): TimestampedLine {
  const match = TIMESTAMP_PREFIX.exec(line);
  if (!match) return { text: line };
  const timeMs = Date.parse(match[1]!);
  return Number.isFinite(timeMs) ? { timestamp: match[1]!, timeMs, text: line.slice(match[0].length) } : { text: line };
}

/** Nanoseconds since the epoch of an RFC 3339 timestamp with up to 9 fraction digits (exact, as bigint). */
export function rfc3339ToNanos(timestamp: string): bigint | undefined {
  const match = /^(.*T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(timestamp);
  if (!match) return undefined;
  const wholeSecondsMs = Date.parse(`${match[1]}${match[3]}`);
  if (!Number.isFinite(wholeSecondsMs)) return undefined;
  return BigInt(wholeSecondsMs) * 1_000_000n + BigInt((match[2] ?? '').padEnd(9, '0'));
}
