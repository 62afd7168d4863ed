import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RollwatchEvent } from '@rollwatch/core';
import { newRolloutState } from '../state/ingest.js';
import type { RolloutState } from '../state/types.js';
import { TemplateTracker } from './tracker.js';

const log = (i: number, message: string): RollwatchEvent => ({
  id: `e${i}`,
  time: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
  rollout: 'r',
  group: 'canary',
  type: 'log',
  instance: 'c1',
  service: 'api',
  level: 'error',
  message,
});

// Lines of different token counts: each is its own template (the miner's first layer is the count).
const distinct = (i: number): string => `stage ${'retry '.repeat(i)}failed`;

test('tracker: logTemplates.maxTemplates bounds the service miner, not only the rollout table', () => {
  const state = newRolloutState('r');
  const tracker = new TemplateTracker(() => 5);
  for (let i = 0; i < 200; i++) tracker.record(state, 'canary', 'c1', log(i, distinct(i)));
  assert.equal(tracker.minerSize('api'), 5);
  assert.ok(Object.keys(state.templates.canary ?? {}).length <= 5);
});

test('tracker: a miner shared by rollouts keeps the largest bound among them', () => {
  const small = newRolloutState('small');
  const large = newRolloutState('large');
  const tracker = new TemplateTracker((s: RolloutState) => (s.id === 'small' ? 3 : 20));
  for (let i = 0; i < 60; i++) tracker.record(small, 'canary', 'c1', log(i, distinct(i)));
  assert.equal(tracker.minerSize('api'), 3);
  for (let i = 0; i < 60; i++) tracker.record(large, 'canary', 'c1', log(i, distinct(i)));
  assert.equal(tracker.minerSize('api'), 20);
  // The smaller rollout's lines do not shrink the miner back (that would evict the other's templates).
  tracker.record(small, 'canary', 'c1', log(999, distinct(7)));
  assert.equal(tracker.minerSize('api'), 20);
});
