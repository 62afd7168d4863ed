import { test } from "node:test";
import assert from "node:assert/strict";
import { forEachLine } from "./lines.js";

async function collect(chunks: (string | Buffer)[], max: number): Promise<{ lines: string[]; truncated: number; count: number }> {
  const lines: string[] = [];
  const stats = await forEachLine((async function* () { yield* chunks; })(), max, (l) => lines.push(l));
  return { lines, truncated: stats.truncated, count: stats.lines };
}

test("forEachLine: LF and CRLF, lines split across chunks, last line without newline", async () => {
  const r = await collect(["ab", "c\r\nde", "f\n\ng", "h"], 100);
  assert.deepEqual(r.lines, ["abc", "def", "", "gh"]);
  assert.equal(r.count, 4);
  assert.equal(r.truncated, 0);
});

test("forEachLine: multi-byte characters split between chunks are decoded whole", async () => {
  const bytes = Buffer.from("grüße\n");
  const r = await collect([bytes.subarray(0, 3), bytes.subarray(3)], 100);
  assert.deepEqual(r.lines, ["grüße"]);
});

test("forEachLine: over-long lines are cut at the limit and counted, across chunks too", async () => {
  const r = await collect(["0123456789abc\nok\n", "0123", "4567", "89xyz\nend"], 8);
  assert.deepEqual(r.lines, ["01234567", "ok", "01234567", "end"]);
  assert.equal(r.truncated, 2);
});
