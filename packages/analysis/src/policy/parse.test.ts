import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_POLICY, POLICY_TEMPLATES } from './defaults.js';
import { loadPolicy, parsePolicy, PolicyError, policyTemplate, resolvePolicy } from './parse.js';
import { formatDuration, parseDuration } from './duration.js';

test('an empty document is the default policy', () => {
  const r = parsePolicy('');
  assert.ok(r.ok);
  assert.deepEqual(r.policy, DEFAULT_POLICY);
  assert.equal(DEFAULT_POLICY.analysis.interval, 60_000);
  assert.equal(DEFAULT_POLICY.thresholds.unavailableFor, 300_000);
});

test('YAML overrides merge over the defaults, durations become milliseconds', () => {
  const policy = loadPolicy(`
name: checkout
analysis:
  interval: 30s
thresholds:
  errorRate: 0.05
signals:
  queue_depth: { group: resources, unit: msgs }
`);
  assert.equal(policy.name, 'checkout');
  assert.equal(policy.analysis.interval, 30_000);
  assert.equal(policy.analysis.lateness, 30_000);
  assert.equal(policy.thresholds.errorRate, 0.05);
  assert.equal(policy.thresholds.cpu.max, 0.85);
  assert.equal(policy.signals.queue_depth?.direction, 'increase');
  assert.equal(policy.signals.latency?.mustPass, true);
});

test('JSON text and objects are accepted', () => {
  assert.equal(loadPolicy('{"judge": {"alpha": 0.05}}').judge.alpha, 0.05);
  assert.equal(loadPolicy({ judge: { alpha: 0.02 } }).judge.alpha, 0.02);
});

test('validation errors name the field', () => {
  const r = parsePolicy({ thresholds: { errorRate: 1.5 } });
  assert.ok(!r.ok);
  assert.deepEqual(r.errors[0], { field: 'thresholds.errorRate', message: 'must be between 0 and 1' });
  assert.throws(() => loadPolicy({ thresholds: { errorRate: -1 } }), (e: unknown) => e instanceof PolicyError && e.message === 'thresholds.errorRate: must be between 0 and 1');
});

test('typos and bad durations are reported, not ignored', () => {
  const typo = parsePolicy({ thresholds: { errorrate: 0.1 } });
  assert.ok(!typo.ok);
  assert.equal(typo.errors[0]?.field, 'thresholds.errorrate');
  const dur = parsePolicy('analysis:\n  interval: 5 minutes\n');
  assert.ok(!dur.ok);
  assert.equal(dur.errors[0]?.field, 'analysis.interval');
  assert.match(dur.errors[0]!.message, /duration/);
  const kind = parsePolicy({ kind: 'bluegreen' });
  assert.ok(!kind.ok);
  assert.equal(kind.errors[0]?.field, 'kind');
  const score = parsePolicy({ scoring: { pass: 70, marginal: 80 } });
  assert.ok(!score.ok);
  assert.equal(score.errors[0]?.field, 'scoring.marginal');
  const yaml = parsePolicy('a: [1');
  assert.ok(!yaml.ok);
  assert.equal(yaml.errors[0]?.field, '(policy)');
});

test('per-service and per-rollout overrides apply in order and are validated up front', () => {
  const policy = loadPolicy({
    thresholds: { errorRate: 0.1 },
    overrides: {
      services: { checkout: { thresholds: { errorRate: 0.05 } } },
      rollouts: { 'rel-42': { thresholds: { errorRate: 0.01 }, judge: { alpha: 0.05 } } },
    },
  });
  assert.equal(resolvePolicy(policy, { service: 'search' }).thresholds.errorRate, 0.1);
  assert.equal(resolvePolicy(policy, { service: 'checkout' }).thresholds.errorRate, 0.05);
  const both = resolvePolicy(policy, { service: 'checkout', rollout: 'rel-42' });
  assert.equal(both.thresholds.errorRate, 0.01);
  assert.equal(both.judge.alpha, 0.05);
  const bad = parsePolicy({ overrides: { services: { checkout: { thresholds: { errorRate: 2 } } } } });
  assert.ok(!bad.ok);
  assert.equal(bad.errors[0]?.field, 'overrides.services.checkout.thresholds.errorRate');
});

test('templates are valid policies; batch templates have kind batch', () => {
  for (const name of Object.keys(POLICY_TEMPLATES)) assert.ok(policyTemplate(name), name);
  assert.equal(policyTemplate('batch-upgrade')?.kind, 'batch');
  assert.equal(policyTemplate('batch-upgrade')?.batch.size, 3);
  assert.equal(policyTemplate('nope'), undefined);
});

test('durations parse and format', () => {
  assert.equal(parseDuration('1m30s'), 90_000);
  assert.equal(parseDuration('1500ms'), 1500);
  assert.equal(parseDuration('2h'), 7_200_000);
  assert.equal(parseDuration('250'), 250);
  assert.equal(parseDuration('5 min'), undefined);
  assert.equal(formatDuration(90_000), '1m30s');
  assert.equal(formatDuration(300_000), '5m');
});
