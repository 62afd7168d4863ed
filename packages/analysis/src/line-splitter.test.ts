import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineSplitter } from './line-splitter.js';

function split(chunks: string[], max = 16): { lines: [number, string][]; oversize: [number, number][] } {
  const lines: [number, string][] = [];
  const oversize: [number, number][] = [];
  const s = new LineSplitter((l, n) => lines.push([n, l]), (n, b) => oversize.push([n, b]), max);
  for (const c of chunks) s.push(Buffer.from(c));
  s.end();
  return { lines, oversize };
}

test('lines across chunk boundaries, CRLF, a last line without newline, multi-byte characters split mid-way', () => {
  const euro = Buffer.from('€');
  const s: [number, string][] = [];
  const splitter = new LineSplitter((l, n) => s.push([n, l]), () => assert.fail('no oversize'), 64);
  splitter.push(Buffer.from('ab\r\nc'));
  splitter.push(Buffer.concat([Buffer.from('d'), euro.subarray(0, 1)]));
  splitter.push(Buffer.concat([euro.subarray(1), Buffer.from('\n\nlast')]));
  splitter.end();
  assert.deepEqual(s, [[1, 'ab'], [2, 'cd€'], [3, ''], [4, 'last']]);
});

test('a line over the cap is reported by number and skipped; the next lines still come through', () => {
  const r = split(['ok\n', 'x'.repeat(10), 'y'.repeat(10), 'z'.repeat(30), '\nfine\n', 'w'.repeat(40)]);
  assert.deepEqual(r.lines, [[1, 'ok'], [3, 'fine']]);
  assert.deepEqual(r.oversize, [[2, 50], [4, 40]]);
  // Exactly at the cap is fine.
  assert.deepEqual(split(['a'.repeat(16) + '\n']).lines, [[1, 'a'.repeat(16)]]);
});

test('broken UTF-8 before a newline: the same lines whether a chunk holds many lines or one', () => {
  const bytes = Buffer.from([0x61, 0xe2, 0x82, 0x0a, 0xff, 0x62, 0x0d, 0x0a, 0xf0, 0x9f, 0x0a, 0x63, 0x0a]);
  const expected: [number, string][] = [[1, 'a\ufffd'], [2, '\ufffdb'], [3, '\ufffd'], [4, 'c']];
  const whole: [number, string][] = [];
  const one = new LineSplitter((l, n) => whole.push([n, l]), () => assert.fail('no oversize'));
  one.push(bytes);
  one.end();
  assert.deepEqual(whole, expected);
  const byByte: [number, string][] = [];
  const many = new LineSplitter((l, n) => byByte.push([n, l]), () => assert.fail('no oversize'));
  for (let i = 0; i < bytes.length; i++) many.push(bytes.subarray(i, i + 1));
  many.end();
  assert.deepEqual(byByte, expected);
});

test('any chunking and any cap give the lines and oversize reports of a plain split of the whole input', () => {
  let seed = 7;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  for (let round = 0; round < 300; round++) {
    const lineCount = 1 + rand(12);
    const parts: string[] = [];
    for (let i = 0; i < lineCount; i++) parts.push(['', 'x', 'é€', 'abc\r', 'y'.repeat(rand(40))][rand(5)]! + 'z'.repeat(rand(8)));
    const text = parts.join('\n') + (rand(2) === 0 ? '\n' : '');
    const max = 1 + rand(40);
    const expected = { lines: [] as [number, string][], oversize: [] as [number, number][] };
    const pieces = text.split('\n');
    if (text.endsWith('\n')) pieces.pop();
    pieces.forEach((p, i) => {
      const bytes = Buffer.byteLength(p);
      if (bytes > max) expected.oversize.push([i + 1, bytes]);
      else expected.lines.push([i + 1, p.endsWith('\r') ? p.slice(0, -1) : p]);
    });
    const buf = Buffer.from(text);
    const got = { lines: [] as [number, string][], oversize: [] as [number, number][] };
    const s = new LineSplitter((l, n) => got.lines.push([n, l]), (n, b) => got.oversize.push([n, b]), max);
    for (let at = 0; at < buf.length; ) {
      const size = 1 + rand(60);
      s.push(buf.subarray(at, at + size));
      at += size;
    }
    s.end();
    // An oversized line is reported with the bytes seen when it was given up, at least the cap.
    assert.deepEqual(got.lines, expected.lines, JSON.stringify({ text, max }));
    assert.deepEqual(
      got.oversize.map(([n]) => n),
      expected.oversize.map(([n]) => n),
      JSON.stringify({ text, max }),
    );
  }
});
