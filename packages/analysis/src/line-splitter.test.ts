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
