import { mkdir, open, readdir, readFile, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { BackpressureError, UnavailableError, ValidationError, type BusMessage, type Logger } from '@rollwatch/core';
import { crc32 } from './crc32.js';

/**
 * Bounded, append-only, on-disk FIFO of bus messages, used while Kafka is unreachable.
 *
 * Layout: `<dir>/<20-digit seq>.seg` segment files of frames `[u32 length][u32 crc32][JSON]`,
 * `<dir>/cursor.json` ({segment, offset}: the first frame not yet acknowledged) and `<dir>/LOCK`
 * (pid of the owning process: two writers would interleave frames). Every append is one write plus
 * fdatasync, so a resolved append survives a crash; a torn tail frame (crash mid-write) fails its
 * length/CRC check and is truncated on open. Segments behind the cursor are deleted.
 */
export interface SpoolOptions {
  dir: string;
  /** Cap on the bytes of all segment files; an append that would exceed it is refused. */
  maxBytes: number;
  /** A new segment starts once the current one reaches this size. */
  segmentBytes: number;
  logger?: Logger;
  /** Seconds suggested to clients in Retry-After when the spool is full. */
  retryAfterSeconds?: number;
}

export interface SpoolPosition {
  segment: number;
  offset: number;
}

export interface SpoolBatch {
  messages: BusMessage[];
  /** Pass to `ack()` once the messages are safely elsewhere. */
  next: SpoolPosition;
  bytes: number;
}

interface Segment {
  seq: number;
  /** Bytes of complete, fsynced frames: readers never look past this. */
  size: number;
  /** Frames in the segment (all of them, including ones behind the cursor). */
  records: number;
}

const HEADER_BYTES = 8;
const CURSOR_FILE = 'cursor.json';
const LOCK_FILE = 'LOCK';
const SEGMENT_RE = /^(\d{20})\.seg$/;
/** Refuse frames claiming to be larger than this: a corrupted length must not allocate gigabytes. */
const MAX_FRAME_BYTES = 64 * 1024 * 1024;

function segmentName(seq: number): string {
  return `${String(seq).padStart(20, '0')}.seg`;
}

export function encodeFrames(messages: BusMessage[]): Buffer {
  const parts: Buffer[] = [];
  for (const message of messages) {
    const payload = Buffer.from(JSON.stringify(message.headers ? { k: message.key, v: message.value, h: message.headers } : { k: message.key, v: message.value }), 'utf8');
    const header = Buffer.allocUnsafe(HEADER_BYTES);
    header.writeUInt32BE(payload.length, 0);
    header.writeUInt32BE(crc32(payload), 4);
    parts.push(header, payload);
  }
  return Buffer.concat(parts);
}

interface DecodedFrame {
  message: BusMessage;
  end: number;
}

/** Decodes the frame at `offset`; undefined when it is incomplete or corrupt. */
function decodeFrame(buffer: Buffer, offset: number): DecodedFrame | undefined {
  if (offset + HEADER_BYTES > buffer.length) return undefined;
  const length = buffer.readUInt32BE(offset);
  const checksum = buffer.readUInt32BE(offset + 4);
  const end = offset + HEADER_BYTES + length;
  if (length > MAX_FRAME_BYTES || end > buffer.length) return undefined;
  const payload = buffer.subarray(offset + HEADER_BYTES, end);
  if (crc32(payload) !== checksum) return undefined;
  try {
    const parsed = JSON.parse(payload.toString('utf8')) as { k: string; v: string; h?: Record<string, string> };
    return { message: parsed.h ? { key: parsed.k, value: parsed.v, headers: parsed.h } : { key: parsed.k, value: parsed.v }, end };
  } catch {
    return undefined;
  }
}

export class Spool {
  private readonly segments: Segment[] = [];
  private cursor: SpoolPosition = { segment: 0, offset: 0 };
  private pending = 0;
  private pendingBytesCount = 0;
  private tail: FileHandle | undefined;
  private tailSeq = 0;
  /** Appends and acks run one at a time: both change segment files. */
  private lock: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** An append was refused since the last ack: the spool counts as full until it drains some. */
  private refusedSinceAck = false;

  private constructor(private readonly options: SpoolOptions) {}

  /** Opens (creating) the spool, recovering from a crash: torn frames are cut, the cursor reloaded. */
  static async open(options: SpoolOptions): Promise<Spool> {
    const spool = new Spool(options);
    await spool.recover();
    return spool;
  }

  /** Messages not yet acknowledged. */
  get events(): number {
    return this.pending;
  }

  /** Bytes of frames not yet acknowledged. */
  get pendingBytes(): number {
    return this.pendingBytesCount;
  }

  /** Bytes of all segment files on disk (what the cap limits). */
  get diskBytes(): number {
    return this.segments.reduce((sum, s) => sum + s.size, 0);
  }

  get maxBytes(): number {
    return this.options.maxBytes;
  }

  isEmpty(): boolean {
    return this.pending === 0;
  }

  /** Full: an append was refused and nothing has drained since, or not even a small event fits. */
  isFull(): boolean {
    return this.refusedSinceAck || !this.hasRoomFor(256);
  }

  /** Whether `bytes` more would fit under the cap. */
  hasRoomFor(bytes: number): boolean {
    return this.diskBytes + bytes <= this.options.maxBytes;
  }

  /** Appends in order and fsyncs; resolves only when durable. Full: BackpressureError, nothing written. */
  append(messages: BusMessage[]): Promise<void> {
    if (messages.length === 0) return Promise.resolve();
    return this.exclusive(() => this.appendNow(messages));
  }

  /** Reads up to `maxMessages`/`maxBytes` (at least one message) from the cursor, without consuming. */
  async peek(maxMessages: number, maxBytes = 1024 * 1024): Promise<SpoolBatch> {
    const messages: BusMessage[] = [];
    let position = { ...this.cursor };
    let bytes = 0;
    // Snapshot sizes now: appends that finish while we read are picked up by the next peek.
    const snapshot = this.segments.map((s) => ({ ...s }));
    for (const segment of snapshot) {
      if (segment.seq < position.segment) continue;
      if (segment.seq > position.segment) position = { segment: segment.seq, offset: 0 };
      while (position.offset < segment.size && messages.length < maxMessages && bytes < maxBytes) {
        const remaining = segment.size - position.offset;
        let buffer = await this.readRange(segment.seq, position.offset, Math.min(remaining, maxBytes - bytes + HEADER_BYTES));
        if (buffer.length >= HEADER_BYTES && decodeFrame(buffer, 0) === undefined) {
          // The next frame is bigger than the read window: read exactly that one frame.
          buffer = await this.readRange(segment.seq, position.offset, Math.min(remaining, HEADER_BYTES + buffer.readUInt32BE(0)));
        }
        let offset = 0;
        while (offset < buffer.length && messages.length < maxMessages) {
          const frame = decodeFrame(buffer, offset);
          if (!frame) break;
          const frameBytes = frame.end - offset;
          if (messages.length > 0 && bytes + frameBytes > maxBytes) break;
          messages.push(frame.message);
          bytes += frameBytes;
          offset = frame.end;
        }
        if (offset === 0) {
          // Unreadable frame inside fsynced data (disk corruption): skip the rest of this segment
          // rather than block the spool forever.
          this.options.logger?.error({ segment: segment.seq, offset: position.offset }, 'spool: corrupt frame; skipping the rest of the segment');
          position = { segment: segment.seq, offset: segment.size };
          break;
        }
        position = { segment: segment.seq, offset: position.offset + offset };
        if (offset < buffer.length) break;
      }
      if (messages.length >= maxMessages || bytes >= maxBytes || position.offset < segment.size) break;
    }
    return { messages, next: position, bytes };
  }

  /** Marks everything before `next` as delivered: persists the cursor, deletes drained segments. */
  ack(next: SpoolPosition, count: number, bytes: number): Promise<void> {
    return this.exclusive(async () => {
      this.cursor = { ...next };
      if (count > 0) this.refusedSinceAck = false;
      this.pending = Math.max(0, this.pending - count);
      this.pendingBytesCount = Math.max(0, this.pendingBytesCount - bytes);
      const last = this.segments[this.segments.length - 1];
      if (!last || (this.cursor.segment >= last.seq && this.cursor.offset >= last.size)) {
        // The cursor is at the very end (counts can only drift when corrupt frames were skipped).
        this.pending = 0;
        this.pendingBytesCount = 0;
      }
      if (this.pending === 0) {
        // Fully drained: start over with a fresh segment so disk use drops to zero.
        await this.closeTail();
        for (const segment of this.segments.splice(0)) await rm(this.segmentPath(segment.seq), { force: true });
        this.cursor = { segment: this.tailSeq + 1, offset: 0 };
        await this.writeCursor();
        return;
      }
      await this.writeCursor();
      while (this.segments.length > 1 && this.segments[0]!.seq < this.cursor.segment) {
        const drained = this.segments.shift()!;
        await rm(this.segmentPath(drained.seq), { force: true });
      }
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.exclusive(async () => {
      await this.closeTail();
      await rm(path.join(this.options.dir, LOCK_FILE), { force: true });
    });
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  private async appendNow(messages: BusMessage[]): Promise<void> {
    if (this.closed) throw new UnavailableError('spool is closed');
    const data = encodeFrames(messages);
    if (!this.hasRoomFor(data.length)) {
      this.refusedSinceAck = true;
      throw new BackpressureError(
        `ingest spool is full (${this.diskBytes} of ${this.options.maxBytes} bytes) while Kafka is unreachable`,
        this.options.retryAfterSeconds ?? 5,
      );
    }
    let segment = this.segments[this.segments.length - 1];
    if (!segment || !this.tail || (segment.size > 0 && segment.size + data.length > this.options.segmentBytes)) {
      segment = await this.startSegment();
    }
    const tail = this.tail!;
    try {
      const { bytesWritten } = await tail.write(data, 0, data.length, segment.size);
      if (bytesWritten !== data.length) throw new Error(`short write (${bytesWritten} of ${data.length} bytes)`);
      await tail.datasync();
    } catch (error) {
      // Cut whatever part of the batch reached the file, so a retry does not duplicate frames.
      await tail.truncate(segment.size).catch(() => undefined);
      throw new UnavailableError(`spool write failed: ${(error as Error).message}`, { cause: error });
    }
    segment.size += data.length;
    segment.records += messages.length;
    this.pending += messages.length;
    this.pendingBytesCount += data.length;
  }

  private async startSegment(): Promise<Segment> {
    await this.closeTail();
    const seq = Math.max(this.tailSeq + 1, this.cursor.segment);
    this.tail = await open(this.segmentPath(seq), 'w+');
    this.tailSeq = seq;
    await this.syncDir();
    const segment = { seq, size: 0, records: 0 };
    this.segments.push(segment);
    return segment;
  }

  private async closeTail(): Promise<void> {
    const tail = this.tail;
    this.tail = undefined;
    await tail?.close().catch(() => undefined);
  }

  private async recover(): Promise<void> {
    const { dir } = this.options;
    try {
      await mkdir(dir, { recursive: true });
    } catch (error) {
      throw new ValidationError('INGEST_SPOOL_DIR', `cannot create ${dir}: ${(error as Error).message}`);
    }
    await this.takeLock();
    this.cursor = await this.readCursor();
    const names = (await readdir(dir)).filter((n) => SEGMENT_RE.test(n)).sort();
    for (const name of names) {
      const seq = Number(SEGMENT_RE.exec(name)![1]);
      const file = path.join(dir, name);
      if (seq < this.cursor.segment) {
        // Left behind by a crash between the cursor write and the delete: already delivered.
        await rm(file, { force: true });
        continue;
      }
      const buffer = await readFile(file);
      let offset = 0;
      let records = 0;
      let pendingRecords = 0;
      const startOfPending = seq === this.cursor.segment ? this.cursor.offset : 0;
      for (;;) {
        const frame = decodeFrame(buffer, offset);
        if (!frame) break;
        if (offset >= startOfPending) pendingRecords++;
        offset = frame.end;
        records++;
      }
      if (offset < buffer.length) {
        this.options.logger?.warn({ file, validBytes: offset, fileBytes: buffer.length }, 'spool: cutting a torn or corrupt tail (crash during a write)');
        const handle = await open(file, 'r+');
        await handle.truncate(offset);
        await handle.datasync();
        await handle.close();
      }
      this.segments.push({ seq, size: offset, records });
      this.pending += pendingRecords;
      this.pendingBytesCount += Math.max(0, offset - startOfPending);
      this.tailSeq = Math.max(this.tailSeq, seq);
    }
    if (this.segments.length === 0) this.tailSeq = Math.max(this.tailSeq, this.cursor.segment);
    if (this.pending > 0) this.options.logger?.info({ events: this.pending, bytes: this.pendingBytesCount }, 'spool: replaying events left from a previous run');
  }

  private async takeLock(): Promise<void> {
    const lockPath = path.join(this.options.dir, LOCK_FILE);
    try {
      const owner = Number((await readFile(lockPath, 'utf8')).trim());
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && processAlive(owner)) {
        throw new ValidationError('INGEST_SPOOL_DIR', `${this.options.dir} is in use by process ${owner}; give each ingest process its own spool directory`);
      }
    } catch (error) {
      if (error instanceof ValidationError) throw error;
      // No lock file (or unreadable): ours to take.
    }
    const handle = await open(lockPath, 'w');
    await handle.writeFile(String(process.pid));
    await handle.close();
  }

  private async readCursor(): Promise<SpoolPosition> {
    try {
      const parsed = JSON.parse(await readFile(path.join(this.options.dir, CURSOR_FILE), 'utf8')) as Partial<SpoolPosition>;
      if (Number.isInteger(parsed.segment) && Number.isInteger(parsed.offset) && parsed.segment! >= 0 && parsed.offset! >= 0) {
        return { segment: parsed.segment!, offset: parsed.offset! };
      }
      this.options.logger?.warn('spool: ignoring an invalid cursor file; replaying from the oldest segment');
    } catch {
      // No cursor yet: start at the oldest segment.
    }
    return { segment: 0, offset: 0 };
  }

  /** Write-then-rename, so a crash leaves either the old or the new cursor, never half of one. */
  private async writeCursor(): Promise<void> {
    const file = path.join(this.options.dir, CURSOR_FILE);
    const tmp = `${file}.tmp`;
    const handle = await open(tmp, 'w');
    try {
      await handle.writeFile(JSON.stringify(this.cursor));
      await handle.datasync();
    } finally {
      await handle.close();
    }
    await rename(tmp, file);
  }

  private async syncDir(): Promise<void> {
    const handle = await open(this.options.dir, 'r').catch(() => undefined);
    await handle?.sync().catch(() => undefined);
    await handle?.close().catch(() => undefined);
  }

  private async readRange(seq: number, offset: number, length: number): Promise<Buffer> {
    const handle = await open(this.segmentPath(seq), 'r');
    try {
      const buffer = Buffer.allocUnsafe(length);
      const { bytesRead } = await handle.read(buffer, 0, length, offset);
      return buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  }

  private segmentPath(seq: number): string {
    return path.join(this.options.dir, segmentName(seq));
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Used by tests and tooling: the bytes of a directory's segment files. */
export async function segmentFiles(dir: string): Promise<Array<{ name: string; bytes: number }>> {
  const names = (await readdir(dir)).filter((n) => SEGMENT_RE.test(n)).sort();
  return Promise.all(names.map(async (name) => ({ name, bytes: (await stat(path.join(dir, name))).size })));
}
