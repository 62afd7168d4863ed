// Line splitting for the CLI: streams the input in chunks and calls back once per line, with
// every line cut at a maximum length. readline would build an arbitrarily long string for a
// file without newlines (ending in an uncaught "RangeError: Invalid string length"), and its
// per-line async iteration costs more than mining does at 200k lines/s.
import { StringDecoder } from "node:string_decoder";

export interface LineStats {
  lines: number;
  /** Lines longer than the limit; only their first `maxLength` characters were used. */
  truncated: number;
}

/** Feeds `input` to `onLine` line by line (LF or CRLF); resolves when the stream ends. */
export async function forEachLine(
  input: AsyncIterable<Buffer | string>,
  maxLength: number,
  onLine: (line: string) => void,
): Promise<LineStats> {
  const decoder = new StringDecoder("utf8");
  const stats: LineStats = { lines: 0, truncated: 0 };
  let carry = "";
  let cut = false; // the current line already exceeded maxLength: drop the rest of it
  const emit = (line: string): void => {
    stats.lines++;
    onLine(line.endsWith("\r") ? line.slice(0, -1) : line);
  };
  const take = (piece: string): void => {
    if (cut) return;
    if (carry.length + piece.length > maxLength) {
      carry = (carry + piece.slice(0, maxLength + 1 - carry.length)).slice(0, maxLength);
      cut = true;
      stats.truncated++;
    } else carry += piece;
  };
  const feed = (text: string): void => {
    let start = 0;
    for (;;) {
      const nl = text.indexOf("\n", start);
      if (nl < 0) {
        if (start < text.length) take(text.slice(start));
        return;
      }
      if (carry === "" && !cut && nl - start <= maxLength) emit(text.slice(start, nl));
      else {
        take(text.slice(start, nl));
        emit(carry);
      }
      carry = "";
      cut = false;
      start = nl + 1;
    }
  };
  for await (const chunk of input) feed(typeof chunk === "string" ? chunk : decoder.write(chunk));
  feed(decoder.end());
  if (carry !== "" || cut) emit(carry);
  return stats;
}
