import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createEngine } from '../engine.js';
import { MIN, steady, T0 } from '../test-helpers.js';
import { createMetricProvider } from './factory.js';

test('the events provider returns the judge inputs: one sample per instance-window', async () => {
  const engine = createEngine();
  engine.ingest(steady({ minutes: 3, jitter: false }));
  const provider = createMetricProvider('events', engine);
  const r = await provider.fetch({ rollout: 'r1', signal: 'latency', group: 'canary', startMs: T0, endMs: T0 + 2 * MIN, stepMs: MIN });
  assert.equal(r.status, 'success');
  assert.deepEqual(r.status === 'success' ? r.value.map((s) => [s.t - T0, s.value]) : [], [[0, 100], [0, 100], [0, 100], [MIN, 100], [MIN, 100], [MIN, 100]]);
  const missing = await provider.fetch({ rollout: 'nope', signal: 'latency', group: 'canary', startMs: 0, endMs: 1, stepMs: 1 });
  assert.equal(missing.status, 'failure');
  const noop = createMetricProvider(undefined, engine);
  const none = await noop.fetch({ rollout: 'r1', signal: 'latency', group: 'canary', startMs: 0, endMs: 1, stepMs: 1 });
  assert.deepEqual(none, { status: 'success', value: [] });
  // What each answers: the built-in event-derived signals; none at all.
  assert.ok(provider.signals.includes('latency') && provider.signals.includes('http_error_rate'), provider.signals.join());
  assert.deepEqual(noop.signals, []);
});

test('provider samples of a custom policy signal are judged like event samples', () => {
  const engine = createEngine({ policy: { signals: { queue_depth: { group: 'resources', unit: 'msgs', mustPass: true, minDelta: 1 } } } });
  const events = steady({ minutes: 8 });
  const samples = (group: 'canary' | 'baseline', n: number, value: number, minute: number) =>
    Array.from({ length: n }, (_, i) => ({ instance: `${group[0]}${i + 1}`, t: T0 + minute * MIN + 1000, value: value + (i % 3) }));
  // Samples arrive as the minutes pass, like a poller's, within the allowed lateness.
  for (let m = 0; m < 8; m++) {
    engine.ingest(events.filter((e) => Date.parse(e.time) >= T0 + m * MIN && Date.parse(e.time) < T0 + (m + 1) * MIN));
    engine.ingestSamples('r1', [
      { signal: 'queue_depth', group: 'canary', samples: samples('canary', 3, 50, m) },
      { signal: 'queue_depth', group: 'baseline', samples: samples('baseline', 6, 10, m) },
    ]);
  }
  const r = engine.evaluate('r1');
  const q = r.reasons.find((x) => x.signal === 'queue_depth')!;
  assert.equal(q.severity, 'fail');
  assert.equal(r.decision, 'no-go');
  assert.throws(() => engine.ingestSamples('r1', [{ signal: 'unknown_signal', group: 'canary', samples: [] }]), /unknown signal/);
});
