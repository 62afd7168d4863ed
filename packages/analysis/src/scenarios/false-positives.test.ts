// End to end: many good canaries, each replayed and evaluated at every window (and after every
// restart), must almost never end in no-go. The budget is 1%.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeEventsSync } from '../replay.js';
import { generateScenario, type ScenarioKind } from './kinds.js';

test('false-positive rate over 120 good canaries checked every window stays <= 1%', () => {
  const kinds: ScenarioKind[] = ['good', 'good-diurnal', 'good-stable-reference'];
  let noGo = 0;
  let evaluations = 0;
  const N = 120;
  for (let i = 0; i < N; i++) {
    const s = generateScenario(kinds[i % kinds.length]!, { seed: 5000 + i, durationMinutes: 20 });
    const [r] = analyzeEventsSync(s.events);
    evaluations += r!.evaluations;
    if (r!.decision === 'no-go') noGo++;
  }
  assert.ok(evaluations >= N * 20, `every window evaluated (${evaluations})`);
  assert.ok(noGo / N <= 0.01, `${noGo}/${N} good canaries ended no-go`);
});
