import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { analyzeCommand, parseAnalyzeArgs } from './cli.js';
import { analyzeEvents, analyzeEventsSync } from './replay.js';
import { generateScenario } from './scenarios/kinds.js';
import { ev, MIN, SEC, shuffled, steady, T0 } from './test-helpers.js';

test('replay is deterministic and independent of input order', async () => {
  const events = [...generateScenario('latency-shift', { seed: 5 }).events, ...generateScenario('good', { seed: 6 }).events];
  const a = await analyzeEvents(events);
  const b = await analyzeEvents(shuffled(events, 42));
  async function* stream() {
    yield* shuffled(events, 7);
  }
  const c = await analyzeEvents(stream());
  assert.deepEqual(b, a);
  assert.deepEqual(c, a);
  assert.deepEqual(a.map((r) => [r.rollout, r.decision]), [['good-6', 'go'], ['latency-shift-5', 'no-go']]);
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
