// Repeated looks: a good canary checked at every window must not fail more often than the budget.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_POLICY } from '../policy/defaults.js';
import { loadPolicy } from '../policy/parse.js';
import { Rng } from '../scenarios/rng.js';
import { mannWhitney } from '../stats/mann-whitney.js';
import { signalAlpha } from './compare.js';

const REPS = 1000;
const LOOKS = 30;

/** Share of null rollouts (canary and baseline from the same distribution) rejected at any look. */
function falseAlarmRate(alphaAt: (look: number) => number, seed: number): number {
  const rng = new Rng(seed);
  let rejected = 0;
  for (let r = 0; r < REPS; r++) {
    const canary: number[] = [];
    const baseline: number[] = [];
    for (let k = 1; k <= LOOKS; k++) {
      for (let i = 0; i < 3; i++) canary.push(rng.lognormal(100, 0.2));
      for (let i = 0; i < 6; i++) baseline.push(rng.lognormal(100, 0.2));
      if (canary.length < 6) continue;
      if (mannWhitney(canary, baseline, { alternative: 'greater' }).pValue <= alphaAt(k)) {
        rejected++;
        break;
      }
    }
  }
  return rejected / REPS;
}

test('a fixed alpha at every look inflates false alarms far above alpha (why we correct)', () => {
  const rate = falseAlarmRate(() => 0.01, 1);
  assert.ok(rate > 0.03, `naive repeated looks: ${rate}`);
});

test('alpha spending keeps the false-alarm rate over 30 looks at or below 1%', () => {
  for (const spending of ['pocock', 'obrien-fleming', 'bonferroni'] as const) {
    const policy = loadPolicy({ judge: { alpha: 0.01, spending }, analysis: { plannedLooks: LOOKS } });
    // One signal gets the whole budget here (the engine splits it over its signals as well).
    const rate = falseAlarmRate((k) => signalAlpha(policy, k, 1), 2);
    assert.ok(rate <= 0.01, `${spending}: ${rate}`);
  }
});

test('the per-signal alpha is the Bonferroni share of the budget', () => {
  const one = signalAlpha(DEFAULT_POLICY, 3, 1);
  const nine = signalAlpha(DEFAULT_POLICY, 3, 9);
  assert.ok(Math.abs(one / nine - 9) < 1e-9);
});
