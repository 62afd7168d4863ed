import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { analyzeCommand, parseAnalyzeArgs } from './cli.js';
import type { RollwatchEvent } from '@rollwatch/core';
import { analyzeEvents, analyzeEventsSync, Replay } from './replay.js';
import { Rng } from './scenarios/rng.js';
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
  // Two files one after the other (each in order, overlapping in time): the window is per rollout.
  const d = await analyzeEvents(stream([...generateScenario('good', { seed: 6 }).events, ...generateScenario('latency-shift', { seed: 5 }).events]));
  assert.deepEqual(b, a);
  assert.deepEqual(c, a);
  assert.deepEqual(d, a);
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

  const idle = new Replay({ idleEvents: 100 });
  const two = [...generateScenario('good', { seed: 9, rollout: 'first' }).events, ...generateScenario('good', { seed: 9, rollout: 'second' }).events];
  for (const e of two) idle.push(e);
  idle.push({ ...two[0]!, id: 'again' });
  assert.equal(idle.stats.afterFinish, 1);
  assert.equal(idle.stats.peakOpen, 2);
  assert.deepEqual(idle.finish().map((r) => r.rollout), ['first', 'second']);
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

function memoryIo(files: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: {
      open: (path: string) => {
        if (!(path in files)) throw new Error(`ENOENT: ${path}`);
        return Readable.from([files[path]!]);
      },
      readFile: async (path: string) => {
        if (!(path in files)) throw new Error(`ENOENT: ${path}`);
        return files[path]!;
      },
      stdout: { write: (t: string) => out.push(t) },
      stderr: { write: (t: string) => err.push(t) },
    },
  };
}

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
