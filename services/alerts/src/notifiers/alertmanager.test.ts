import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { verdict } from '../testing/fixtures.js';
import { alertmanagerAlert } from './alertmanager.js';
import type { Notice } from './interface.js';

const base: Notice = {
  kind: 'notify',
  verdict: verdict({ labels: { team: 'payments', 'rollwatch.io/target': 'x' } }),
  previousDecision: 'go',
  alertDecision: 'no-go',
  summary: 'decision changed go → no-go',
  idempotencyKey: 'act_1',
  links: { dashboard: 'http://dash/#/rollouts/checkout-v2', verdictApi: 'http://api' },
  startsAt: '2030-01-01T00:00:00.000Z',
};

describe('alertmanagerAlert', () => {
  it('a firing alert: identifying labels, annotations, startsAt and no endsAt', () => {
    const alert = alertmanagerAlert(base);
    assert.deepEqual(alert.labels, { alertname: 'RollwatchNoGo', rollout: 'checkout-v2', service: 'checkout', severity: 'critical', team: 'payments' });
    assert.match(alert.annotations.summary!, /checkout-v2 is no-go/);
    assert.match(alert.annotations.description!, /^oom_killed: /, 'most severe reason first');
    assert.equal(alert.startsAt, base.startsAt);
    assert.equal(alert.endsAt, undefined);
    assert.equal(alert.generatorURL, base.links.dashboard);
  });

  it('a resolve re-sends the same labels with endsAt, even when the verdict is now go', () => {
    const resolve = alertmanagerAlert({ ...base, kind: 'resolve', verdict: { ...base.verdict, decision: 'go' }, previousDecision: 'no-go', endsAt: '2030-01-01T00:05:00.000Z' });
    assert.deepEqual(resolve.labels, alertmanagerAlert(base).labels);
    assert.equal(resolve.endsAt, '2030-01-01T00:05:00.000Z');
  });
});
