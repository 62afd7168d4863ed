import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DEFAULT_POLICY } from '../policy/defaults.js';
import type { Policy } from '../policy/schema.js';
import { newRolloutState } from '../state/ingest.js';
import type { InstanceState, RolloutState } from '../state/types.js';
import { healthyAt, unavailabilityTrigger } from './thresholds.js';

/** The definition, moment by moment over every instance (quadratic; the sweep must agree with it). */
function naive(canary: InstanceState[], limit: number, horizon: number): number | null {
  const moments = new Set<number>();
  for (const i of canary) {
    moments.add(i.firstSeen);
    for (const [t] of i.health) moments.add(t);
  }
  let downSince: number | null = null;
  for (const t of [...moments].filter((m) => m <= horizon).sort((a, b) => a - b)) {
    const up = canary.some((i) => i.firstSeen <= t && healthyAt(i, t));
    if (!up && downSince === null) downSince = t;
    if (up && downSince !== null) {
      if (t - downSince > limit) return downSince + limit;
      downSince = null;
    }
  }
  return downSince !== null && horizon - downSince > limit ? downSince + limit : null;
}

function instance(id: string, firstSeen: number, health: [number, boolean][]): InstanceState {
  return { id, group: 'canary', hostAttributes: {}, versionAt: -Infinity, firstSeen, lastSeen: firstSeen, restartTimes: [], oomTimes: [], nonZeroExitTimes: [], healthFailureTimes: [], health, lifecycleIds: [] };
}

test('the availability sweep agrees with the moment-by-moment definition', () => {
  const policy: Policy = { ...DEFAULT_POLICY, thresholds: { ...DEFAULT_POLICY.thresholds, unavailableFor: 5 } };
  const entry = fc.tuple(fc.integer({ min: 0, max: 40 }), fc.boolean());
  const inst = fc.record({ firstSeen: fc.integer({ min: 0, max: 30 }), health: fc.array(entry, { maxLength: 6 }) });
  fc.assert(
    fc.property(fc.array(inst, { minLength: 1, maxLength: 6 }), fc.integer({ min: 0, max: 60 }), (specs, horizon) => {
      const state: RolloutState = newRolloutState('r');
      const canary = specs.map((s, n) => instance(`i${n}`, s.firstSeen, [...s.health].sort((a, b) => a[0] - b[0])));
      for (const i of canary) state.instances[i.id] = i;
      const got = unavailabilityTrigger(state, policy, horizon);
      assert.equal(got?.at ?? null, naive(canary, 5, horizon));
    }),
    { numRuns: 2000 },
  );
});
