// Splits a byte stream into lines without ever holding more than one line (capped) in memory:
// readline would buffer a 2 GB line until V8 throws a RangeError. A line longer than the cap is
// reported (by number) and skipped up to its newline.

export type LineHandler = (line: string, lineNo: number) => void;
export type OversizeHandler = (lineNo: number, bytes: number) => void;

/** 1 MiB: far above the largest valid event (a 64 KiB message plus fields and labels). */
export const DEFAULT_MAX_LINE_BYTES = 1 << 20;

export class LineSplitter {
  private partial: Buffer[] = [];
  private partialBytes = 0;
  private oversized = false;
  private lineNo = 0;

  constructor(
    private readonly onLine: LineHandler,
    private readonly onOversize: OversizeHandler,
    private readonly maxLineBytes = DEFAULT_MAX_LINE_BYTES,
  ) {}

  /** Lines completed so far. */
  get lines(): number {
    return this.lineNo;
  }

  push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      // Whole lines with nothing held and no room for an oversized one: decoded in one call
      // (decoding line by line cost a native call per line). A newline byte never belongs to a
      // UTF-8 sequence, and the decoder replaces a broken sequence before it without taking the
      // newline, so the lines are the same as decoded one by one.
      if (this.partialBytes === 0 && !this.oversized) {
        const lastNl = chunk.lastIndexOf(10);
        if (lastNl >= start && lastNl + 1 - start <= this.maxLineBytes) {
          this.emitLines(chunk.toString('utf8', start, lastNl + 1));
          start = lastNl + 1;
          this.keep(chunk, start, chunk.length);
          return;
        }
      }
      const nl = chunk.indexOf(10, start);
      if (nl === -1) {
        this.keep(chunk, start, chunk.length);
        return;
      }
      this.lineNo++;
      if (this.oversized || this.partialBytes + (nl - start) > this.maxLineBytes) {
        this.onOversize(this.lineNo, this.partialBytes + (nl - start));
      } else if (this.partialBytes === 0) {
        this.emit(chunk.toString('utf8', start, nl));
      } else {
        this.partial.push(chunk.subarray(start, nl));
        this.emit(Buffer.concat(this.partial).toString('utf8'));
      }
      this.partial = [];
      this.partialBytes = 0;
      this.oversized = false;
      start = nl + 1;
    }
  }

  /** The last line, when the input does not end with a newline. */
  end(): void {
    if (this.partialBytes === 0 && !this.oversized) return;
    this.lineNo++;
    if (this.oversized) this.onOversize(this.lineNo, this.partialBytes);
    else this.emit(Buffer.concat(this.partial).toString('utf8'));
    this.partial = [];
    this.partialBytes = 0;
    this.oversized = false;
  }

  private keep(chunk: Buffer, from: number, to: number): void {
    if (from === to) return;
    this.partialBytes += to - from;
    if (this.oversized) return;
    if (this.partialBytes > this.maxLineBytes) {
      // Drop what we hold: the rest of this line is skipped as it streams past.
      this.oversized = true;
      this.partial = [];
      return;
    }
    // Copy: the stream may reuse its buffer.
    this.partial.push(Buffer.from(chunk.subarray(from, to)));
  }

  /** Each line of `text`, which ends with a newline. */
  private emitLines(text: string): void {
    let from = 0;
    for (;;) {
      const nl = text.indexOf('\n', from);
      if (nl === -1) return;
      this.lineNo++;
      this.emit(text.slice(from, nl));
      from = nl + 1;
    }
  }

  private emit(text: string): void {
    this.onLine(text.endsWith('\r') ? text.slice(0, -1) : text, this.lineNo);
  }
}
