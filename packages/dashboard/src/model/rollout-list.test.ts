import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ActionItem, RolloutItem, VerdictBody } from '@rollwatch/contract';
import { actionSummary, applyVerdict, latestActions, rowsFromList } from './rollout-list.js';

const item = (rollout: string, over: Partial<RolloutItem> = {}): RolloutItem => ({
  rollout,
  id: rollout,
  revision: null,
  registered: false,
  location: 'local',
  service: 'api',
  decision: 'pending',
  score: null,
  sequence: 1,
  noGoAt: null,
  evaluatedAt: '2025-01-01T00:00:00.000Z',
  instances: { canary: 2, baseline: 4, other: 0 },
  events: 10,
  firstEventAt: '2025-01-01T00:00:00.000Z',
  lastEventAt: '2025-01-01T00:01:00.000Z',
  labels: {},
  ...over,
});
const verdict = (rollout: string, decision: VerdictBody['decision'], sequence: number): VerdictBody => ({
  rollout,
  decision,
  score: decision === 'no-go' ? 12 : 99,
  reasons: [],
  evaluatedAt: '2025-01-01T00:02:00.000Z',
  noGoAt: decision === 'no-go' ? '2025-01-01T00:02:00.000Z' : null,
  cause: null,
  sequence,
});
const action = (rollout: string, at: string, kind: ActionItem['kind'] = 'pause'): ActionItem => ({ id: `${rollout}-${at}`, rollout, kind, target: 'actuator:argo-rollouts', status: 'succeeded', at, attempts: 1 });

test('a verdict from the stream turns a pending row no-go and moves it to the top', () => {
  const rows = rowsFromList([item('a', { lastEventAt: '2025-01-01T00:05:00.000Z' }), item('b')], []);
  assert.deepEqual(rows.map((r) => r.rollout), ['a', 'b']);
  const next = applyVerdict(rows, verdict('b', 'no-go', 2));
  assert.deepEqual(next.map((r) => [r.rollout, r.decision]), [['b', 'no-go'], ['a', 'pending']]);
  assert.equal(next[0]!.score, 12);
  assert.deepEqual(next[0]!.instances, { canary: 2, baseline: 4, other: 0 }, 'counts from the list survive');
});

test('an older verdict replayed by the stream is ignored', () => {
  const rows = applyVerdict(rowsFromList([item('a', { sequence: 5, decision: 'no-go' })], []), verdict('a', 'go', 3));
  assert.equal(rows[0]!.decision, 'no-go');
});

test('a verdict for an unknown rollout adds a row at once', () => {
  const rows = applyVerdict([], verdict('new', 'no-go', 1));
  assert.equal(rows.length, 1);
  assert.equal(rows[0]!.instances, null);
});

test('a list fetched before a pushed verdict does not undo it', () => {
  const pushed = applyVerdict(rowsFromList([item('a')], []), verdict('a', 'no-go', 4));
  const refreshed = rowsFromList([item('a', { sequence: 3, decision: 'pending' })], [], pushed);
  assert.equal(refreshed[0]!.decision, 'no-go');
  assert.equal(refreshed[0]!.sequence, 4);
});

test('the last action is the newest per rollout', () => {
  const latest = latestActions([action('a', '2025-01-01T00:01:00Z', 'notify'), action('a', '2025-01-01T00:03:00Z', 'rollback'), action('b', '2025-01-01T00:02:00Z')]);
  assert.equal(latest.get('a')!.kind, 'rollback');
  assert.equal(actionSummary(latest.get('a')!), 'rollback (actuator:argo-rollouts) → succeeded');
  assert.equal(actionSummary(null), '—');
});
