import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RollwatchEvent } from '@rollwatch/core';
import { createEngine } from '../engine.js';
import { ev, MIN, SEC, T0 } from '../test-helpers.js';

/** 6 instances upgraded 1.0 -> 2.0 in two batches of 3 starting at minute 3 and 7. */
function fleet(o: { stuck?: string; cpu?: (m: number) => number; offlineBefore?: string[] } = {}): RollwatchEvent[] {
  const ids = ['w1', 'w2', 'w3', 'w4', 'w5', 'w6'];
  const version: Record<string, string> = Object.fromEntries(ids.map((id) => [id, '1.0.0']));
  const batchOf: Record<string, number | undefined> = {};
  const out: RollwatchEvent[] = [];
  const e = (t: number, id: string, f: Partial<RollwatchEvent> & { type: RollwatchEvent['type'] }): void => {
    const labels: Record<string, string> = { policy: 'batch-upgrade' };
    if (batchOf[id] !== undefined) labels.batch = String(batchOf[id]);
    out.push(ev(t, { rollout: 'up', group: 'other', instance: id, version: version[id]!, labels, ...f } as never));
  };
  for (const id of ids) e(0, id, { type: 'container_start' });
  for (let m = 0; m < 16; m++) {
    for (const [b, start] of [[1, 3], [2, 7]] as const) {
      if (m !== start) continue;
      for (const id of ids.slice((b - 1) * 3, b * 3)) {
        batchOf[id] = b;
        const t = m * MIN + 5 * SEC;
        if (id === o.stuck) {
          e(t, id, { type: 'health_check_passed' });
          continue;
        }
        e(t, id, { type: 'container_exit', exitCode: 0 });
        version[id] = '2.0.0';
        e(t + 3 * SEC, id, { type: 'container_start' });
        e(t + 6 * SEC, id, { type: 'health_check_passed' });
      }
    }
    for (const id of ids) {
      if (o.offlineBefore?.includes(id) && m < 3) continue;
      e(m * MIN + 30 * SEC, id, { type: 'metric', metric: 'cpu_ratio', value: o.cpu?.(m) ?? 0.5 });
      e(m * MIN + 31 * SEC, id, { type: 'metric', metric: 'http_requests_total', value: 600 });
      e(m * MIN + 32 * SEC, id, { type: 'metric', metric: 'http_errors_total', value: 3 });
    }
  }
  return out;
}

test('a clean batched upgrade passes every gate', () => {
  const engine = createEngine();
  engine.ingest(fleet());
  const r = engine.evaluate('up');
  assert.equal(r.decision, 'go');
  assert.deepEqual(r.batches!.map((b) => [b.batch, b.decision]), [[1, 'go'], [2, 'go']]);
  const b1 = engine.evaluateBatch('up', 1);
  assert.equal(b1.decision, 'go');
  assert.ok(b1.reasons.some((x) => x.signal === 'batch_precheck' && /6\/6 instances online and healthy before batch 1/.test(x.message)));
  assert.ok(b1.reasons.every((x) => x.batch === 1));
});

test('pre-check: fewer than 95% of the instances online blocks the batch', () => {
  const engine = createEngine();
  engine.register({ id: 'up', policy: 'batch-upgrade', expectedInstances: { total: 7 } });
  engine.ingest(fleet());
  const r = engine.evaluateBatch('up', 1);
  assert.equal(r.decision, 'no-go');
  assert.match(r.reasons[0]!.message, /6\/7 instances online and healthy before batch 1 \(85.7%; need 95%\)/);
  assert.equal(r.noGoAt, new Date(T0 + 3 * MIN + 5 * SEC).toISOString());
});

test('during: fleet CPU above 85% for 2 minutes fails the running batch', () => {
  const engine = createEngine();
  engine.ingest(fleet({ cpu: (m) => (m >= 7 && m <= 9 ? 0.92 : 0.5) }));
  assert.equal(engine.evaluateBatch('up', 1).decision, 'go');
  const b2 = engine.evaluateBatch('up', 2);
  assert.equal(b2.decision, 'no-go');
  assert.ok(b2.reasons.some((x) => x.signal === 'cpu_ratio' && /CPU above 85% for 2m/.test(x.message)));
  assert.ok(b2.reasons.some((x) => /roll it back/.test(x.message)));
  assert.equal(engine.evaluate('up').decision, 'no-go');
});

test('post: an instance left on the old version is version skew after the timeout', () => {
  const engine = createEngine();
  engine.ingest(fleet({ stuck: 'w5' }));
  const b2 = engine.evaluateBatch('up', 2);
  assert.equal(b2.decision, 'no-go');
  const skew = b2.reasons.find((x) => x.signal === 'version_skew')!;
  assert.match(skew.message, /version skew in batch 2: .*1 on 1.0.0 \(w5\).*target 2.0.0; not done within 8m/);
  assert.equal(b2.noGoAt, new Date(T0 + 7 * MIN + 5 * SEC + 8 * MIN).toISOString());
  // Before the timeout the same state is pending, not a failure.
  const early = createEngine();
  early.ingest(fleet({ stuck: 'w5' }).filter((e) => Date.parse(e.time) < T0 + 12 * MIN));
  assert.equal(early.evaluateBatch('up', 2).decision, 'pending');
});

test('a batch that has not started is pending', () => {
  const engine = createEngine();
  engine.ingest(fleet());
  const r = engine.evaluateBatch('up', 3);
  assert.equal(r.decision, 'pending');
  assert.match(r.reasons[0]!.message, /batch 3 has not started/);
});
