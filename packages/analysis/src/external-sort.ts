// The on-disk sort behind `rollwatch analyze` for input that is out of order beyond the replay's
// reorder window (e.g. several recordings concatenated, or a shuffled file): validated events are
// cut into sorted runs of RUN_EVENTS on scratch files, then merged back in (time, id) order. Memory
// is one run while writing and one read buffer per run while merging. The scratch I/O is injected.
import type { RollwatchEvent } from '@rollwatch/core';
import { LineSplitter } from './line-splitter.js';

export interface ScratchFile {
  path: string;
  write(text: string): Promise<void>;
  close(): Promise<void>;
}

/** Temporary files for the on-disk sort; `open` reads one back. */
export interface ScratchIo {
  create(): Promise<ScratchFile>;
  open(path: string): NodeJS.ReadableStream;
  /** Removes every file created (called once, at the end). */
  cleanup(): Promise<void>;
}

export const RUN_EVENTS = 100_000;

interface Keyed {
  event: RollwatchEvent;
  t: number;
}

const before = (a: Keyed, b: Keyed): boolean => a.t < b.t || (a.t === b.t && a.event.id < b.event.id);

/** Collects events and writes each RUN_EVENTS of them, sorted, to a scratch file. */
export class RunWriter {
  private buffer: Keyed[] = [];
  readonly runs: string[] = [];

  constructor(
    private readonly scratch: ScratchIo,
    private readonly runEvents = RUN_EVENTS,
  ) {}

  /** Adds one event; true when a run is full and flush() is due. */
  add(event: RollwatchEvent, t: number): boolean {
    this.buffer.push({ event, t });
    return this.buffer.length >= this.runEvents;
  }

  async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const run = this.buffer.sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
    this.buffer = [];
    const file = await this.scratch.create();
    let chunk = '';
    for (const { event } of run) {
      chunk += `${JSON.stringify(event)}\n`;
      if (chunk.length >= 1 << 20) {
        await file.write(chunk);
        chunk = '';
      }
    }
    if (chunk) await file.write(chunk);
    await file.close();
    this.runs.push(file.path);
  }
}

/** Reads one sorted run back, a chunk at a time. */
class RunReader {
  private items: Keyed[] = [];
  private pos = 0;
  private done = false;
  private readonly splitter = new LineSplitter(
    (line) => {
      if (line === '') return;
      const event = JSON.parse(line) as RollwatchEvent;
      this.items.push({ event, t: Date.parse(event.time) });
    },
    () => {
      throw new Error('a scratch run holds a line longer than the line limit');
    },
  );
  private readonly chunks: AsyncIterator<string | Buffer>;

  constructor(stream: NodeJS.ReadableStream) {
    this.chunks = (stream as AsyncIterable<string | Buffer>)[Symbol.asyncIterator]();
  }

  head(): Keyed | undefined {
    return this.items[this.pos];
  }

  /** Advances; false at the end of the run. */
  async next(): Promise<boolean> {
    this.pos++;
    while (this.pos >= this.items.length && !this.done) {
      this.items = [];
      this.pos = 0;
      const n = await this.chunks.next();
      if (n.done) {
        this.splitter.end();
        this.done = true;
      } else this.splitter.push(typeof n.value === 'string' ? Buffer.from(n.value) : n.value);
    }
    return this.pos < this.items.length;
  }

  async start(): Promise<boolean> {
    this.pos = -1;
    return this.next();
  }
}

/** Merges sorted runs, calling `onEvent` in (time, id) order. */
export async function mergeRuns(scratch: ScratchIo, runs: readonly string[], onEvent: (event: RollwatchEvent, t: number) => void): Promise<void> {
  const heap: RunReader[] = [];
  const less = (a: RunReader, b: RunReader): boolean => before(a.head()!, b.head()!);
  const siftDown = (i: number): void => {
    for (;;) {
      const l = 2 * i + 1;
      if (l >= heap.length) return;
      const r = l + 1;
      const c = r < heap.length && less(heap[r]!, heap[l]!) ? r : l;
      if (!less(heap[c]!, heap[i]!)) return;
      [heap[c], heap[i]] = [heap[i]!, heap[c]!];
      i = c;
    }
  };
  for (const path of runs) {
    const reader = new RunReader(scratch.open(path));
    if (await reader.start()) heap.push(reader);
  }
  for (let i = (heap.length >> 1) - 1; i >= 0; i--) siftDown(i);
  while (heap.length > 0) {
    const top = heap[0]!;
    const { event, t } = top.head()!;
    onEvent(event, t);
    if (!(await top.next())) {
      heap[0] = heap[heap.length - 1]!;
      heap.pop();
    }
    if (heap.length > 0) siftDown(0);
  }
}
