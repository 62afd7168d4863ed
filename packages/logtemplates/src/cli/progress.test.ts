import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lineProgress, wantsProgress } from './progress.js';

function sink(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, isTTY, write: (t: string) => writes.push(t) };
}

test('progress: redraws lines and rate at most every 500 ms, erases itself at the end', () => {
  const s = sink(true);
  let clock = 0;
  const p = lineProgress(s, true, () => clock);
  for (let i = 0; i < 16_384; i++) p.tick();
  assert.equal(s.writes.length, 0, 'no redraw before 500 ms');
  clock = 1_000;
  for (let i = 0; i < 16_384; i++) p.tick();
  assert.equal(s.writes.length, 1);
  assert.match(s.writes[0]!, /mining: 32,768 lines, 32,768 lines\/s$/);
  p.done();
  assert.equal(s.writes.at(-1), '\r\u001b[2K');
});

test('progress: silent when disabled, and nothing to erase when never drawn', () => {
  const s = sink(true);
  let clock = 0;
  const p = lineProgress(s, false, () => (clock += 1_000));
  for (let i = 0; i < 100_000; i++) p.tick();
  p.done();
  assert.deepEqual(s.writes, []);
  const q = lineProgress(s, true, () => 0);
  q.done();
  assert.deepEqual(s.writes, []);
});

test('progress: only for a terminal and never with --json', () => {
  assert.equal(wantsProgress({ isTTY: true }, false), true);
  assert.equal(wantsProgress({ isTTY: true }, true), false);
  assert.equal(wantsProgress({ isTTY: false }, false), false);
  assert.equal(wantsProgress({}, false), false);
});
