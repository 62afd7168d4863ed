// The committed fixture set: one seeded rollout per scenario kind.
import { generateScenario, SCENARIO_KINDS, type Scenario, type ScenarioKind } from './kinds.js';

export interface FixtureEntry {
  kind: ScenarioKind;
  seed: number;
}

export const FIXTURE_SET: readonly FixtureEntry[] = SCENARIO_KINDS.map((kind, i) => ({ kind, seed: 101 + i }));

export function fixtureFile(entry: FixtureEntry): string {
  return `${entry.kind}.ndjson`;
}

/** The wire form of a scenario: one event per line, as `rollwatch analyze` reads it. */
export function scenarioToNdjson(entry: FixtureEntry): { scenario: Scenario; text: string } {
  const scenario = generateScenario(entry.kind, { seed: entry.seed, rollout: entry.kind });
  return { scenario, text: scenario.events.map((e) => JSON.stringify(e)).join('\n') + '\n' };
}
