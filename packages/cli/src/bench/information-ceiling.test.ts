import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CorpusRollout } from '@rollwatch/analysis';
import { binomialUpperTail } from '@rollwatch/logtemplates';
import { clairvoyantPValues, conditionalBinomialP, outcomeAt, type CeilingOutcome } from './information-ceiling.js';

const clairvoyantOutcome = (r: CorpusRollout, alpha: number, allowedRatio: number, windowMs: number): CeilingOutcome => outcomeAt(clairvoyantPValues(r, allowedRatio, windowMs), alpha);

test('binomialUpperTail (the tail the ceiling uses): exact tails (values from scipy.stats.binom.sf)', () => {
  assert.ok(Math.abs(binomialUpperTail(7, 10, 0.27) - 0.005618112189285358) < 1e-12);
  assert.ok(Math.abs(binomialUpperTail(30, 200, 0.08) - 6.593394871443474e-4) < 1e-12);
  assert.equal(binomialUpperTail(0, 10, 0.3), 1);
  assert.equal(binomialUpperTail(11, 10, 0.3), 0);
  // P(X >= n) = p^n.
  assert.ok(Math.abs(binomialUpperTail(5, 5, 0.5) - 1 / 32) < 1e-15);
});

test('conditionalBinomialP: the canary share under "ratio <= r" is r·s / (r·s + 1 − s)', () => {
  // s = 1/4, r = 1: p0 = 1/4; 3 canary events of 3: (1/4)^3.
  assert.ok(Math.abs(conditionalBinomialP(3, 0, 1, 3, 1) - 1 / 64) < 1e-15);
  // r = 3 at s = 1/4: p0 = 1/2.
  assert.ok(Math.abs(conditionalBinomialP(2, 0, 1, 3, 3) - 1 / 4) < 1e-15);
  assert.equal(conditionalBinomialP(0, 5, 1, 3, 1.1), 1);
  assert.equal(conditionalBinomialP(5, 0, 0, 3, 1.1), 1, 'no canary exposure: no test');
});

const START = Date.parse('2025-01-06T10:00:00Z');
const MINUTE = 60_000;

/** A 20-minute error-log rollout: errors at fixed minutes per instance (no randomness). */
function rollout(errors: { instance: string; group: 'canary' | 'baseline'; minutes: number[] }[], faultMinute: number): CorpusRollout {
  const events = errors.flatMap(({ instance, group, minutes }) =>
    minutes.map((m, i) => ({ id: `${instance}-${i}`, time: new Date(START + m * MINUTE).toISOString(), rollout: 'r1', group, type: 'log' as const, instance, level: 'error' as const, message: 'boom' })),
  );
  return {
    label: {
      rollout: 'r1',
      kind: 'error-log-rate',
      service: 'svc',
      expected: 'no-go',
      bad: true,
      faultStart: new Date(START + faultMinute * MINUTE).toISOString(),
      start: new Date(START).toISOString(),
      end: new Date(START + 20 * MINUTE).toISOString(),
      canaries: 1,
      baselines: 3,
      params: {},
    },
    events: events as unknown as CorpusRollout['events'],
  };
}

const range = (from: number, to: number, step: number): number[] => Array.from({ length: Math.floor((to - from) / step) }, (_, i) => from + 0.5 + i * step);

test('clairvoyantOutcome: a clear rise after the fault start is caught, at a window end after the start', () => {
  const baseline = ['b1', 'b2', 'b3'].map((instance) => ({ instance, group: 'baseline' as const, minutes: [3.2, 11.7] }));
  const r = rollout([{ instance: 'c1', group: 'canary', minutes: range(5, 20, 1) }, ...baseline], 5);
  const o = clairvoyantOutcome(r, 0.01, 1.1, MINUTE);
  assert.equal(o.caught, true);
  assert.ok(o.secondsToReject !== null && o.secondsToReject > 0 && o.secondsToReject % 60 === 0, `seconds ${o.secondsToReject}`);
  assert.ok(o.secondsToReject! < 15 * 60);
});

test('clairvoyantOutcome: only events after the fault start count, and a canary like the baseline is not caught', () => {
  const baseline = ['b1', 'b2', 'b3'].map((instance) => ({ instance, group: 'baseline' as const, minutes: range(0, 20, 4) }));
  // Many canary errors before the fault start, the baseline's rate after it.
  const r = rollout([{ instance: 'c1', group: 'canary', minutes: [...range(0, 5, 0.25), ...range(6, 20, 4)] }, ...baseline], 6);
  const o = clairvoyantOutcome(r, 0.01, 1.1, MINUTE);
  assert.equal(o.caught, false);
  assert.equal(o.secondsToReject, null);
});

test('clairvoyantOutcome: a kind without a count rule is refused, not guessed', () => {
  const r = rollout([], 5);
  r.label.kind = 'latency';
  assert.throws(() => clairvoyantOutcome(r, 0.01, 1.1, MINUTE), /no clairvoyant test for kind latency/);
});
