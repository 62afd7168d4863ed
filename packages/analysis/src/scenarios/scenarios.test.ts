// The labelled suite: every committed fixture is judged as labelled, attribution says environment
// only when it should, critical failures are caught at once, and the generated suite scores.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEvent, type RollwatchEvent } from '@rollwatch/core';
import { analyzeEventsSync, type AnalyzeResult } from '../replay.js';
import { FIXTURE_SET, fixtureFile, scenarioToNdjson } from './fixtures.js';
import type { ScenarioLabel } from './kinds.js';
import { generateScenario } from './kinds.js';
import { generateSuite } from './suite.js';

// dist/scenarios -> package root
const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'scenarios');
type FixtureLabel = ScenarioLabel & { file: string; seed: number };
const labels = JSON.parse(readFileSync(join(FIXTURES, 'labels.json'), 'utf8')) as FixtureLabel[];

function readFixture(file: string): RollwatchEvent[] {
  return readFileSync(join(FIXTURES, file), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((line, i) => {
      const r = parseEvent(JSON.parse(line));
      if (!r.ok) throw new Error(`${file}:${i + 1}: ${JSON.stringify(r.errors)}`);
      return r.event;
    });
}

const results = new Map<string, AnalyzeResult>();
function verdict(label: FixtureLabel): AnalyzeResult {
  let r = results.get(label.file);
  if (!r) {
    r = analyzeEventsSync(readFixture(label.file))[0]!;
    results.set(label.file, r);
  }
  return r;
}

test('the committed fixtures are exactly what the seeded generator produces', () => {
  assert.equal(labels.length, FIXTURE_SET.length);
  for (const entry of FIXTURE_SET) {
    const committed = readFileSync(join(FIXTURES, fixtureFile(entry)), 'utf8');
    assert.equal(committed, scenarioToNdjson(entry).text, `${fixtureFile(entry)} is stale: run npm run fixtures -w @rollwatch/analysis`);
  }
});

for (const label of labels) {
  test(`fixture ${label.file}: ${label.expected}${label.cause ? ` (${label.cause})` : ''}`, () => {
    const r = verdict(label);
    assert.equal(r.decision, label.expected, JSON.stringify(r.reasons.filter((x) => x.severity !== 'info')));
    if (label.expected === 'no-go') {
      assert.equal(r.cause, label.cause);
      assert.ok(r.noGoAt !== null && label.badFrom !== undefined && r.noGoAt >= label.badFrom, `no-go ${r.noGoAt} before the bad behaviour started ${label.badFrom}`);
    } else {
      assert.equal(r.noGoAt, null);
    }
  });
}

test('attribution: the kernel scenario blames kernel 4.4.0-98, an ordinary bad canary blames the release', () => {
  const kernel = verdict(labels.find((l) => l.kind === 'kernel-failure')!);
  assert.equal(kernel.cause, 'environment');
  const env = kernel.reasons.find((x) => x.signal === 'environment');
  assert.deepEqual(env?.attribute, { name: 'kernel', value: '4.4.0-98-generic' });
  assert.match(env!.message, /failures on 3\/3 instances on hosts with kernel 4.4.0-98-generic \(canary and baseline alike/);
  assert.match(env!.message, /0\/6 elsewhere/);
  for (const kind of ['crash-loop', 'oom-burst', 'error-rate-x2'] as const) {
    const r = verdict(labels.find((l) => l.kind === kind)!);
    assert.equal(r.cause, 'release', kind);
    assert.ok(!r.reasons.some((x) => x.cause === 'environment' && x.severity !== 'info'), kind);
  }
});

test('a crash-looping canary is no-go within seconds (event time) of the critical event', () => {
  const events = readFixture('crash-loop.ndjson');
  const r = verdict(labels.find((l) => l.kind === 'crash-loop')!);
  const exits = events.filter((e) => e.group === 'canary' && e.type === 'container_exit' && e.exitCode !== 0).map((e) => Date.parse(e.time));
  const noGo = Date.parse(r.noGoAt!);
  // Three non-zero exits are critical: the verdict is at the third, not a window later.
  assert.equal(noGo, exits[2]);
  assert.ok(noGo - exits[0]! < 2 * 60_000, `${(noGo - exits[0]!) / 1000}s after the first exit`);
});

test('an OOM-killed canary is no-go at the first OOM kill', () => {
  const events = readFixture('oom-burst.ndjson');
  const firstOom = events.find((e) => e.group === 'canary' && e.type === 'oom_killed')!;
  assert.equal(verdict(labels.find((l) => l.kind === 'oom-burst')!).noGoAt, firstOom.time);
});

test('generated suite: recall 100%, false-positive rate 0%, causes right, deterministic', () => {
  const suite = generateSuite({ seed: 11, count: 52 });
  const byRollout = new Map(analyzeEventsSync(suite.events).map((r) => [r.rollout, r]));
  let tp = 0;
  let fn = 0;
  let fp = 0;
  let tn = 0;
  for (const label of suite.labels) {
    const r = byRollout.get(label.rollout)!;
    if (label.expected === 'no-go') {
      if (r.decision === 'no-go') tp++;
      else fn++;
      assert.equal(r.cause, label.cause, label.rollout);
    } else {
      if (r.decision === 'no-go') fp++;
      else tn++;
      assert.equal(r.decision, label.expected, label.rollout);
    }
  }
  assert.equal(tp / (tp + fn), 1, `recall: ${tp}/${tp + fn}`);
  assert.equal(fp / (fp + tn), 0, `false-positive rate: ${fp}/${fp + tn}`);
  assert.deepEqual(generateSuite({ seed: 11, count: 52 }).events, suite.events);
});

test('the generator is deterministic per seed and differs across seeds', () => {
  assert.deepEqual(generateScenario('good', { seed: 9 }), generateScenario('good', { seed: 9 }));
  assert.notDeepEqual(generateScenario('good', { seed: 9 }).events, generateScenario('good', { seed: 10 }).events);
});
