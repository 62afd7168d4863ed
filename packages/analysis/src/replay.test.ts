import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { analyzeCommand, parseAnalyzeArgs } from './cli.js';
import type { RollwatchEvent } from '@rollwatch/core';
import { analyzeEvents, analyzeEventsSync, Replay } from './replay.js';
import { Rng } from './scenarios/rng.js';
import { corpusEvents } from './scenarios/corpus.js';
import { generateScenario } from './scenarios/kinds.js';
import { ev, MIN, SEC, shuffled, steady, T0 } from './test-helpers.js';

/** Arrival order: each event delayed by up to `maxDelayMs` after its event time. */
function arrivalOrder(events: readonly RollwatchEvent[], maxDelayMs: number, seed: number): RollwatchEvent[] {
  const rng = new Rng(seed);
  return events
    .map((e) => ({ e, at: Date.parse(e.time) + rng.uniform(0, maxDelayMs) }))
    .sort((x, y) => x.at - y.at)
    .map((x) => x.e);
}

async function* stream(events: readonly RollwatchEvent[]): AsyncGenerator<RollwatchEvent> {
  yield* events;
}

test('replay is deterministic: an array in any order, a stream out of order within the lateness', async () => {
  const events = [...generateScenario('latency-shift', { seed: 5 }).events, ...generateScenario('good', { seed: 6 }).events];
  const a = await analyzeEvents(events);
  const b = await analyzeEvents(shuffled(events, 42));
  const arrived = arrivalOrder(events, 25 * SEC, 7);
  assert.ok(arrived.some((e, i) => i > 0 && e.time < arrived[i - 1]!.time), 'the stream really is out of order');
  const c = await analyzeEvents(stream(arrived));
  assert.deepEqual(b, a);
  assert.deepEqual(c, a);
  assert.deepEqual(a.map((r) => [r.rollout, r.decision]), [['good-6', 'go'], ['latency-shift-5', 'no-go']]);
});

test('streaming replay: bounded buffers, disorder beyond the window counted, idle rollouts finished', () => {
  const events = arrivalOrder(generateScenario('good', { seed: 8 }).events, 20 * SEC, 3);
  const replay = new Replay();
  for (const e of events) replay.push(e);
  assert.ok(replay.stats.reordered > 0 && replay.stats.beyondReorder === 0);
  // Only the events inside the 30 s window are held, never the whole input.
  assert.ok(replay.stats.peakBuffered < events.length / 10, `peak ${replay.stats.peakBuffered} of ${events.length}`);
  assert.equal(replay.finish()[0]!.decision, 'go');

  const late = new Replay();
  const sorted = [...events].sort((x, y) => Date.parse(x.time) - Date.parse(y.time));
  const moved = sorted.splice(100, 1)[0]!; // goes 5 minutes late
  const at = sorted.findIndex((e) => Date.parse(e.time) > Date.parse(moved.time) + 5 * MIN);
  sorted.splice(at, 0, moved);
  for (const e of sorted) late.push(e);
  assert.equal(late.stats.beyondReorder, 1);

  // Two recordings one after the other, overlapping in time: beyond the window (the CLI sorts on disk).
  const concatenated = new Replay();
  for (const e of [...generateScenario('good', { seed: 6 }).events, ...generateScenario('good', { seed: 7 }).events]) concatenated.push(e);
  assert.ok(concatenated.stats.beyondReorder > 100);

  // idleMs below the engine's horizon (11.5 min) is raised to it: first (ends at 15 min) is finished
  // once the stream passes 26.5 min, while second (30-45 min) runs.
  const idle = new Replay({ idleMs: 60_000 });
  const first = generateScenario('good', { seed: 9, rollout: 'first' }).events;
  const second = generateScenario('good', { seed: 9, rollout: 'second', start: T0 + 30 * MIN, durationMinutes: 120 }).events;
  for (const e of [...first, ...second]) idle.push(e);
  idle.push({ ...first[0]!, id: 'again', time: new Date(T0 + 150 * MIN).toISOString() });
  const verdicts = idle.finish();
  assert.deepEqual(verdicts.map((r) => r.rollout), ['first', 'second']);
  assert.deepEqual(verdicts[0], analyzeEventsSync(first)[0], 'finishing early changes nothing for a rollout that is over');
  assert.equal(idle.stats.peakOpen, 2);
  assert.equal(idle.stats.afterFinish, 1, 'an event for a finished rollout is counted, not judged');
  assert.equal(idle.stats.beyondReorder, 0);
});

test('noGoAt is the event time of the critical event, not the next window', () => {
  const events = [...steady({ minutes: 6 }), ev(2 * MIN + 17 * SEC, { instance: 'c3', type: 'oom_killed' })];
  const [r] = analyzeEventsSync(events);
  assert.equal(r!.decision, 'no-go');
  assert.equal(r!.noGoAt, new Date(T0 + 2 * MIN + 17 * SEC).toISOString());
});

test('no-go is final in a replay: later recovery does not turn it back to go', () => {
  // The canary is silent for 11 minutes (no-go after the 10 minute timeout), then reports again.
  const events = steady({ minutes: 20 }).filter((e) => !(e.group === 'canary' && e.type === 'metric' && Date.parse(e.time) < T0 + 11 * MIN));
  const [r] = analyzeEventsSync(events);
  assert.equal(r!.decision, 'no-go');
  assert.ok(r!.reasons.some((x) => x.signal === 'no_data'));
});

function memoryIo(files: Record<string, string>, options: { tty?: boolean; clock?: () => number } = {}) {
  const out: string[] = [];
  const err: string[] = [];
  let runs = 0;
  const created: string[] = [];
  return {
    out,
    err,
    created,
    io: {
      now: options.clock,
      scratch: {
        async create() {
          const path = `scratch-${++runs}`;
          files[path] = '';
          created.push(path);
          return { path, write: async (t: string) => void (files[path] += t), close: async () => {} };
        },
        open: (path: string) => Readable.from([files[path]!]),
        async cleanup() {
          for (const p of created) delete files[p];
        },
      },
      open: (path: string) => {
        if (!(path in files)) throw new Error(`ENOENT: ${path}`);
        return Readable.from([files[path]!]);
      },
      readFile: async (path: string) => {
        if (!(path in files)) throw new Error(`ENOENT: ${path}`);
        return files[path]!;
      },
      stdout: { write: (t: string) => out.push(t) },
      stderr: { write: (t: string) => err.push(t), isTTY: options.tty === true },
    },
  };
}

test('analyze command: several files (overlapping in time: sorted on disk) and stdin give the verdicts of one sorted replay', async () => {
  const a = generateScenario('latency-shift', { seed: 5 }).events;
  const b = generateScenario('good', { seed: 6 }).events;
  const expected = analyzeEventsSync([...a, ...b]).map((r) => r.rollout + r.decision + r.noGoAt + r.score);
  const text = (events: RollwatchEvent[]) => events.map((e) => JSON.stringify(e)).join('\n') + '\n';
  const files: Record<string, string> = { 'a.ndjson': text(a), 'b.ndjson': text(b) };
  const run = memoryIo(files);
  assert.equal(await analyzeCommand(['a.ndjson', 'b.ndjson', '--json'], run.io), 0, run.err.join(''));
  const got = run.out.map((l) => JSON.parse(l) as { rollout: string; decision: string; noGoAt: string; score: number });
  assert.deepEqual(got.map((r) => r.rollout + r.decision + r.noGoAt + r.score), expected);
  assert.ok(run.created.length > 0, 'the second file was beyond the window: sorted through scratch runs');
  assert.ok(!Object.keys(files).some((f) => f.startsWith('scratch-')), 'scratch files removed');
  // Already in order: no scratch at all; stdin is streamed.
  const inOrder = memoryIo({ '-': text(arrivalOrder([...a, ...b], 20 * SEC, 4)) });
  assert.equal(await analyzeCommand(['-', '--json'], inOrder.io), 0, inOrder.err.join(''));
  assert.deepEqual(inOrder.out, run.out);
  assert.equal(inOrder.created.length, 0);
  assert.deepEqual(parseAnalyzeArgs(['-', 'x', '-']), { error: 'stdin (-) can be read only once' });
});

test('analyze command: a huge line is an error naming its line number, the rest is still judged', async () => {
  const events = generateScenario('oom-burst', { seed: 3 }).events.map((e) => JSON.stringify(e));
  const huge = `{"message":"${'x'.repeat(3 << 20)}"}`;
  const run = memoryIo({ 'e.ndjson': [events[0], huge, ...events.slice(1)].join('\n') });
  assert.equal(await analyzeCommand(['e.ndjson', '--json'], run.io), 2);
  assert.match(run.err.join(''), /e\.ndjson:2: line longer than 1048576 bytes/);
  assert.equal(JSON.parse(run.out[0]!).decision, 'no-go');
});

test('analyze command: progress on stderr only when it is a terminal and the output is not --json', async () => {
  const text = [...corpusEvents({ seed: 2, count: 10 })].map((e) => JSON.stringify(e)).join('\n');
  let now = 0;
  const clock = () => (now += 2_000);
  const files = { 'e.ndjson': text };
  const tty = memoryIo(files, { tty: true, clock });
  assert.equal(await analyzeCommand(['e.ndjson'], tty.io), 0);
  const ESC = String.fromCharCode(27);
  assert.match(tty.err.join('').replaceAll(ESC, '<ESC>'), /\r<ESC>\[K[\d,]+ lines, [\d,]+ lines\/s, [\d,]+ rollouts/);
  assert.ok(tty.err.join('').endsWith('\r\x1b[K'), 'the progress line is cleared at the end');
  const json = memoryIo(files, { tty: true, clock });
  assert.equal(await analyzeCommand(['e.ndjson', '--json'], json.io), 0);
  assert.equal(json.err.join(''), '');
  const piped = memoryIo(files, { tty: false, clock });
  assert.equal(await analyzeCommand(['e.ndjson'], piped.io), 0);
  assert.equal(piped.err.join(''), '');
});

test('analyze command prints one JSON verdict per rollout and reports bad lines with numbers', async () => {
  const events = generateScenario('oom-burst', { seed: 3 }).events;
  const lines = [JSON.stringify(events[0]), 'not json', JSON.stringify({ ...events[1], grup: 'canary' }), ...events.slice(1).map((e) => JSON.stringify(e)), ''];
  const { io, out, err } = memoryIo({ 'events.ndjson': lines.join('\n') });
  const code = await analyzeCommand(['events.ndjson', '--json'], io);
  assert.equal(code, 2);
  assert.equal(out.length, 1);
  const verdict = JSON.parse(out[0]!);
  assert.deepEqual(Object.keys(verdict), ['rollout', 'decision', 'score', 'noGoAt', 'reasons', 'cause']);
  assert.equal(verdict.decision, 'no-go');
  assert.match(err.join(''), /events.ndjson:2: not JSON/);
  assert.match(err.join(''), /events.ndjson:3: grup: unknown field/);
});

test('analyze command: policy file, usage errors, invalid policy', async () => {
  const events = generateScenario('good', { seed: 4 }).events.map((e) => JSON.stringify(e)).join('\n');
  const ok = memoryIo({ 'e.ndjson': events, 'p.yaml': 'judge:\n  allowedIncrease: 0.2\n' });
  assert.equal(await analyzeCommand(['e.ndjson', '--policy', 'p.yaml'], ok.io), 0);
  assert.match(ok.out[0]!, /^good-4\tgo\tscore=100/);
  const bad = memoryIo({ 'e.ndjson': events, 'p.yaml': 'thresholds:\n  errorRate: 3\n' });
  assert.equal(await analyzeCommand(['e.ndjson', '--policy=p.yaml', '--json'], bad.io), 2);
  assert.match(bad.err.join(''), /p.yaml: thresholds.errorRate: must be between 0 and 1/);
  const usage = memoryIo({});
  assert.equal(await analyzeCommand([], usage.io), 2);
  assert.match(usage.err.join(''), /missing events file/);
  assert.equal(await analyzeCommand(['missing.ndjson'], usage.io), 2);
  assert.deepEqual(parseAnalyzeArgs(['a', '--bogus']), { error: 'unknown option --bogus' });
});
