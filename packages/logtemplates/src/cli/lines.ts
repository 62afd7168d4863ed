// Line splitting for the CLI: streams the input in chunks and calls back once per line, with
// every line cut at a maximum length. readline would build an arbitrarily long string for a
// file without newlines (ending in an uncaught "RangeError: Invalid string length"), and its
// per-line async iteration costs more than mining does at 200k lines/s.

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
  // Bytes are decoded up to the last newline of each chunk (a newline byte never occurs inside a
  // UTF-8 sequence), which is cheaper than a StringDecoder; the rest waits for the next chunk.
  let rest: Buffer | undefined;
  for await (const chunk of input) {
    if (typeof chunk === "string") {
      feed(chunk);
      continue;
    }
    let buf = chunk;
    if (rest && rest.length > 0) {
      // Only the line that straddles the chunk boundary is copied, not the whole chunk.
      const first = chunk.indexOf(10);
      if (first < 0) buf = Buffer.concat([rest, chunk]);
      else {
        feed(Buffer.concat([rest, chunk.subarray(0, first + 1)]).toString("utf8"));
        buf = chunk.subarray(first + 1);
      }
    }
    const nl = buf.lastIndexOf(10);
    const end = nl >= 0 ? nl + 1 : completeUtf8End(buf);
    feed(buf.toString("utf8", 0, end));
    rest = buf.subarray(end);
  }
  if (rest && rest.length > 0) feed(rest.toString("utf8"));
  if (carry !== "" || cut) emit(carry);
  return stats;
}

/** Length of the longest prefix of `buf` that does not end inside a multi-byte UTF-8 sequence. */
function completeUtf8End(buf: Buffer): number {
  for (let i = buf.length - 1, seen = 1; i >= 0 && seen <= 4; i--, seen++) {
    const b = buf[i] as number;
    if ((b & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead byte
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return seen >= need ? buf.length : i;
  }
  return buf.length;
}
