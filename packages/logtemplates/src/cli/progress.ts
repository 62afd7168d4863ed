// Progress of long mining runs for a person watching: lines and rate on stderr, redrawn in place at
// most twice a second, only when stderr is a terminal and the output is not --json (pipes, CI logs
// and machine readers see nothing extra).

export interface ProgressSink {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface LineProgress {
  /** Count one line (cheap: the clock is read once per 16,384 lines). */
  tick(): void;
  /** Erase the progress line, if one was drawn. */
  done(): void;
}

const CHECK_EVERY = 0x3fff;
const REDRAW_MS = 500;

export function lineProgress(sink: ProgressSink, enabled: boolean, now: () => number = () => performance.now()): LineProgress {
  if (!enabled) return { tick: () => undefined, done: () => undefined };
  const started = now();
  let lines = 0;
  let lastDraw = started;
  let drawn = false;
  return {
    tick() {
      lines++;
      if ((lines & CHECK_EVERY) !== 0) return;
      const t = now();
      if (t - lastDraw < REDRAW_MS) return;
      lastDraw = t;
      const rate = Math.round(lines / Math.max((t - started) / 1000, 1e-3));
      sink.write(`\r\u001b[2Kmining: ${lines.toLocaleString('en-US')} lines, ${rate.toLocaleString('en-US')} lines/s`);
      drawn = true;
    },
    done() {
      if (drawn) sink.write('\r\u001b[2K');
    },
  };
}

/** True when progress should be shown: stderr is a terminal and the output is not JSON. */
export function wantsProgress(stderr: unknown, json: boolean): boolean {
  return !json && (stderr as { isTTY?: boolean }).isTTY === true;
}
