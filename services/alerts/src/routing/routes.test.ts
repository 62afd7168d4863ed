import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ValidationError } from '@rollwatch/core';
import { compilePattern } from './pattern.js';
import { defaultRoute, parseRoutes, selectRoutes } from './routes.js';

const defaults = { configuredNotifiers: ['slack', 'webhook'] as ('slack' | 'webhook')[], actuator: 'argo-rollouts' as const, onNoGo: 'rollback' as const };

const YAML = `
routes:
  - name: payments
    match:
      rollout: "pay-*"
      labels: { team: payments }
    notifiers: [slack]
    actuators: [argo-rollouts]
    onNoGo: pause
    continue: true
  - name: regex-only
    match:
      rollout: "/^pay-(eu|us)-\\\\d+$/"
      decision: [no-go, pending]
    notifiers: [webhook]
    dryRun: true
  - name: everything-else
`;

describe('patterns', () => {
  it('globs match whole names, regexes as written, plain strings exactly', () => {
    assert.equal(compilePattern('pay-*')('pay-eu-1'), true);
    assert.equal(compilePattern('pay-*')('xpay-eu-1'), false);
    assert.equal(compilePattern('pay-?')('pay-1'), true);
    assert.equal(compilePattern('pay-?')('pay-12'), false);
    assert.equal(compilePattern('a.b')('axb'), false, 'dots in globs are literal');
    assert.equal(compilePattern('/^ab+c$/i')('ABBC'), true);
    assert.equal(compilePattern('exact')('exact'), true);
    assert.equal(compilePattern('exact')('exactly'), false);
  });
});

describe('parseRoutes', () => {
  it('parses YAML with defaults resolved from what is configured', () => {
    const routes = parseRoutes(YAML, defaults);
    assert.deepEqual(routes.map((r) => r.name), ['payments', 'regex-only', 'everything-else']);
    assert.deepEqual(routes[0]!.notifiers, ['slack']);
    assert.equal(routes[0]!.onNoGo, 'pause');
    assert.deepEqual(routes[1]!.decisions, ['no-go', 'pending']);
    assert.equal(routes[1]!.dryRun, true);
    assert.deepEqual(routes[2]!.notifiers, ['slack', 'webhook'], 'unset notifiers = all configured');
    assert.deepEqual(routes[2]!.actuators, ['argo-rollouts']);
    assert.equal(routes[2]!.onNoGo, 'rollback');
    assert.deepEqual(routes[2]!.decisions, ['no-go']);
  });

  it('accepts JSON and a bare array', () => {
    const routes = parseRoutes('[{"name":"a","match":{"service":"checkout"}}]', defaults);
    assert.equal(routes[0]!.matches({ rollout: 'x', service: 'checkout' }), true);
    assert.equal(routes[0]!.matches({ rollout: 'x' }), false, 'a service matcher needs a service');
  });

  const bad: [string, string, RegExp][] = [
    ['routes: [{ name: a, match: { rollout: "/(/" } }]', 'routes[0].match.rollout', /not a valid pattern/],
    ['routes: [{ name: a, notifiers: [pager] }]', 'routes[0].notifiers[0]', /./],
    ['routes: [{ name: a, onNoGo: explode }]', 'routes[0].onNoGo', /./],
    ['routes: [{ name: a, mtach: {} }]', 'routes[0]', /mtach/],
    ['routes: [{ name: a }, { name: a }]', 'routes[1].name', /duplicate/],
    ['routes: [{ name: a, notifiers: [alertmanager] }]', 'routes[0].notifiers[0]', /not configured/],
    ['routes: [{ name: a, actuators: [docker-swarm] }]', 'routes[0].actuators[0]', /not configured/],
    ['routes: []', 'routes', /./],
    ['routes: [{ name: a', 'routes', /YAML/],
  ];
  for (const [text, field, message] of bad) {
    it(`names the field ${field} for ${JSON.stringify(text)}`, () => {
      assert.throws(
        () => parseRoutes(text, defaults),
        (error: unknown) => error instanceof ValidationError && error.field === field && message.test(error.message),
      );
    });
  }
});

describe('selectRoutes', () => {
  const routes = parseRoutes(YAML, defaults);
  it('first match wins unless continue: true', () => {
    const names = (r: ReturnType<typeof selectRoutes>) => r.map((x) => x.name);
    assert.deepEqual(names(selectRoutes(routes, { rollout: 'pay-eu-1', labels: { team: 'payments' } }, 'no-go')), ['payments', 'regex-only']);
    assert.deepEqual(names(selectRoutes(routes, { rollout: 'pay-eu-1', labels: { team: 'other' } }, 'no-go')), ['regex-only']);
    assert.deepEqual(names(selectRoutes(routes, { rollout: 'search-1' }, 'no-go')), ['everything-else']);
  });
  it('matches the decision against each route', () => {
    assert.deepEqual(selectRoutes(routes, { rollout: 'pay-eu-1', labels: { team: 'payments' } }, 'pending').map((r) => r.name), ['regex-only']);
    assert.deepEqual(selectRoutes(routes, { rollout: 'search-1' }, 'pending'), []);
  });
  it('the default route covers every rollout with everything configured', () => {
    const route = defaultRoute(defaults);
    assert.equal(route.matches({ rollout: 'anything' }), true);
    assert.deepEqual(route.notifiers, ['slack', 'webhook']);
  });
});
