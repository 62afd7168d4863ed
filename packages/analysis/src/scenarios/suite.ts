// A labelled suite of synthetic rollouts for tests, fixtures and the benchmark.
import type { RollwatchEvent } from '@rollwatch/core';
import { generateScenario, SCENARIO_KINDS, type Scenario, type ScenarioKind, type ScenarioLabel } from './kinds.js';
import { Rng } from './rng.js';

export interface SuiteOptions {
  seed: number;
  /** Number of rollouts; kinds rotate so every kind appears once count >= the number of kinds. */
  count: number;
  /** Share of good rollouts (default 0.5): the rest cycle through the bad kinds. */
  goodShare?: number;
  start?: number;
  durationMinutes?: number;
}

export interface Suite {
  scenarios: Scenario[];
  labels: ScenarioLabel[];
  /** All events of all rollouts, sorted by time then id. */
  events: RollwatchEvent[];
}

export const GOOD_KINDS = SCENARIO_KINDS.filter((k) => k.startsWith('good'));
export const BAD_KINDS = SCENARIO_KINDS.filter((k) => !k.startsWith('good'));

export function generateSuite(options: SuiteOptions): Suite {
  const rng = new Rng(options.seed);
  const goodShare = options.goodShare ?? 0.5;
  const scenarios: Scenario[] = [];
  let good = 0;
  let bad = 0;
  for (let i = 0; i < options.count; i++) {
    // Deterministic interleaving: good while below its share, otherwise bad.
    const wantGood = good < Math.round((i + 1) * goodShare);
    const kind: ScenarioKind = wantGood ? GOOD_KINDS[good++ % GOOD_KINDS.length]! : BAD_KINDS[bad++ % BAD_KINDS.length]!;
    const seed = Math.floor(rng.next() * 2 ** 31);
    const opts = { seed, rollout: `r${String(i + 1).padStart(4, '0')}-${kind}`, ...(options.start !== undefined ? { start: options.start } : {}), ...(options.durationMinutes !== undefined ? { durationMinutes: options.durationMinutes } : {}) };
    scenarios.push(generateScenario(kind, opts));
  }
  const events = scenarios.flatMap((s) => s.events).sort((a, b) => Date.parse(a.time) - Date.parse(b.time) || (a.id < b.id ? -1 : 1));
  return { scenarios, labels: scenarios.map((s) => s.label), events };
}
