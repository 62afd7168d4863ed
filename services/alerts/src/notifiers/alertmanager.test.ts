import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { verdict } from '../testing/fixtures.js';
import type { AddressInfo } from 'node:net';
import { emptyState } from '../policy/types.js';
import { AlertmanagerNotifier, alertmanagerAlert, type AlertmanagerAlert } from './alertmanager.js';
import { hasOpenAlertmanagerAlert, resendNotice } from './alertmanager-resend.js';
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

describe('Alertmanager re-posts', () => {
  it('a firing alert posted by the notifier carries endsAt 4 resend intervals ahead; a resend keeps its identity', async () => {
    const { createServer } = await import('node:http');
    const bodies: AlertmanagerAlert[][] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        bodies.push(JSON.parse(body) as AlertmanagerAlert[]);
        res.writeHead(200).end('{}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const now = new Date('2030-01-01T00:00:00Z');
      const notifier = new AlertmanagerNotifier({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, timeoutMs: 2000, resendMs: 60_000, now: () => now });
      assert.equal((await notifier.send(base)).status, 'success');
      assert.equal(bodies[0]![0]!.endsAt, '2030-01-01T00:04:00.000Z');
      const state = { ...emptyState('checkout-v2'), lastDecision: 'no-go' as const, lastVerdict: base.verdict, openAlert: { decision: 'no-go' as const, sequence: 1, startsAt: base.startsAt, notified: [{ target: 'notifier:alertmanager' as const, route: 'r', dryRun: false }] } };
      assert.ok(hasOpenAlertmanagerAlert(state));
      assert.equal(hasOpenAlertmanagerAlert({ ...state, openAlert: { ...state.openAlert, notified: [{ target: 'notifier:alertmanager', route: 'r', dryRun: true }] } }), false);
      await notifier.send(resendNotice(state, base.links));
      assert.deepEqual(bodies[1]![0]!.labels, bodies[0]![0]!.labels);
      assert.equal(bodies[1]![0]!.startsAt, bodies[0]![0]!.startsAt);
    } finally {
      server.close();
    }
  });
});
