import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FLAGGER_DEFAULTS, FlaggerStyleJudge, flaggerChecks } from './flagger.js';
import { T0, traffic } from './testing.js';
import type { RollwatchEvent } from '@rollwatch/core';

const healthy = { requests: 600, errors: 0, latencyMs: 80 };
const failing = { requests: 600, errors: 60, latencyMs: 80 };

test('flagger-style: a check per full interval, canary only', () => {
  const checks = flaggerChecks(traffic('canary', 'c1', 10, () => healthy));
  assert.equal(checks.length, 10);
  assert.ok(checks.every((c) => c.ok));
  assert.equal(checks[0]!.at, T0 + 60_000);
});

test('flagger-style: needs 5 consecutive failed checks; a pass in between resets the count', () => {
  // Minutes 0-3 fail, 4 passes, 5-8 fail: never 5 in a row.
  const flaky = traffic('canary', 'c1', 10, (m) => (m === 4 || m === 9 ? healthy : failing));
  const v = new FlaggerStyleJudge().judge(flaky);
  assert.equal(v.flagged, false);

  const bad = traffic('canary', 'c1', 10, (m) => (m >= 2 ? failing : healthy));
  const verdict = new FlaggerStyleJudge().judge(bad);
  assert.equal(verdict.flagged, true);
  // Failing minutes 2,3,4,5,6 → the 5th failed check runs at the end of minute 6.
  assert.equal(verdict.detectedAtMs, T0 + 7 * 60_000);
  assert.equal(verdict.checks, 7);
  assert.match(verdict.reason, /request-success-rate 90\.00% < 99%/);
});

test('flagger-style: cumulative counting (Flagger\'s own counter) rolls back on the 5th failure overall', () => {
  const flaky = traffic('canary', 'c1', 10, (m) => (m === 4 || m === 9 ? healthy : failing));
  const v = new FlaggerStyleJudge({ ...FLAGGER_DEFAULTS, counting: 'cumulative' }).judge(flaky);
  assert.equal(v.flagged, true);
  assert.equal(v.detectedAtMs, T0 + 6 * 60_000);
});

test('flagger-style: latency above 500 ms fails a check; the baseline group is ignored', () => {
  const slow = traffic('canary', 'c1', 6, () => ({ requests: 600, errors: 0, latencyMs: 700 }));
  const baselineBroken = traffic('baseline', 'b1', 6, () => failing);
  const v = new FlaggerStyleJudge().judge([...slow, ...baselineBroken]);
  assert.equal(v.flagged, true);
  assert.match(v.reason, /request-duration 700ms > 500ms/);
  assert.equal(new FlaggerStyleJudge().judge([...traffic('canary', 'c1', 6, () => healthy), ...baselineBroken]).flagged, false);
});

test('flagger-style: restarts and OOM kills are invisible; missing traffic counts as a failed check', () => {
  const oom: RollwatchEvent[] = Array.from({ length: 10 }, (_, i) => ({
    id: `oom${i}`,
    time: new Date(T0 + i * 30_000).toISOString(),
    rollout: 'r',
    group: 'canary',
    type: 'oom_killed',
    instance: 'c1',
  }));
  const withTraffic = [...traffic('canary', 'c1', 8, () => healthy), ...oom];
  assert.equal(new FlaggerStyleJudge().judge(withTraffic).flagged, false);
  // The canary stops serving after minute 1: no values → failed checks → rollback after 5 of them.
  const silent = [...traffic('canary', 'c1', 8, (m) => (m < 1 ? healthy : null)), ...oom, ...traffic('baseline', 'b1', 8, () => healthy)];
  const v = new FlaggerStyleJudge().judge(silent);
  assert.equal(v.flagged, true);
  assert.match(v.reason, /no values/);
  assert.equal(new FlaggerStyleJudge({ ...FLAGGER_DEFAULTS, noDataFails: false }).judge(silent).flagged, false);
});
