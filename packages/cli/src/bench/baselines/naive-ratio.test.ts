import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RollwatchEvent } from '@rollwatch/core';
import { NaiveRatioJudge } from './naive-ratio.js';
import { T0, traffic } from './testing.js';

const healthy = { requests: 600, errors: 6, latencyMs: 80 };

function log(group: 'canary' | 'baseline', instance: string, atMs: number): RollwatchEvent {
  return { id: `${instance}-${atMs}`, time: new Date(atMs).toISOString(), rollout: 'r', group, type: 'log', instance, level: 'error', message: 'boom' };
}

test('naive-ratio: equal rates pass; a canary error ratio 3x the baseline fails at the next check', () => {
  const same = [...traffic('canary', 'c1', 10, () => healthy), ...traffic('baseline', 'b1', 10, () => healthy)];
  assert.equal(new NaiveRatioJudge().judge(same).flagged, false);
  const worse = [...traffic('canary', 'c1', 10, (m) => (m >= 4 ? { ...healthy, errors: 60 } : healthy)), ...traffic('baseline', 'b1', 10, () => healthy)];
  const v = new NaiveRatioJudge().judge(worse);
  assert.equal(v.flagged, true);
  assert.match(v.reason, /http_error_ratio/);
  // Cumulative since the start: minute 4 alone lifts the ratio to (4x6+60)/(5x600) = 2.8 %, > 2 x 1 %.
  assert.equal(v.detectedAtMs, T0 + 5 * 60_000);
});

test('naive-ratio: no floor: one canary error line against a silent baseline is a rollback', () => {
  const events = [...traffic('canary', 'c1', 5, () => healthy), ...traffic('baseline', 'b1', 5, () => healthy), log('canary', 'c1', T0 + 90_000)];
  const v = new NaiveRatioJudge().judge(events);
  assert.equal(v.flagged, true);
  assert.match(v.reason, /error_log_rate/);
  assert.equal(v.detectedAtMs, T0 + 2 * 60_000);
});
