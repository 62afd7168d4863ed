import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ValidationError } from '@rollwatch/core';
import { createDefaultEngine, loadPolicyFile } from './engine.js';

function file(text: string): string {
  const p = path.join(mkdtempSync(path.join(tmpdir(), 'detector-policy-')), 'policies.yaml');
  writeFileSync(p, text);
  return p;
}

describe('DETECTOR_POLICY_FILE', () => {
  it('one document becomes the default policy, known by its name', () => {
    const loaded = loadPolicyFile(file('name: shop\nkind: canary\njudge:\n  alpha: 0.01\n'));
    assert.equal(loaded.policy?.name, 'shop');
    assert.equal(loaded.policy?.judge.alpha, 0.01);
    assert.deepEqual(Object.keys(loaded.policies), ['shop']);
  });

  it('a policies map with a default; the engine accepts the names in registrations', () => {
    const p = file('default: careful\npolicies:\n  careful:\n    kind: canary\n    judge: { alpha: 0.01 }\n  fast:\n    kind: canary\n');
    const loaded = loadPolicyFile(p);
    assert.equal(loaded.policy?.name, 'careful');
    const engine = createDefaultEngine({ DETECTOR_POLICY_FILE: p, DETECTOR_DEFAULT_POLICY: undefined });
    assert.ok(engine.policyNames().includes('fast'));
    engine.register({ id: 'r', policy: 'fast' });
    assert.throws(() => engine.register({ id: 'r2', policy: 'nope' }), ValidationError);
  });

  it('errors name the file and the field', () => {
    const p = file('policies:\n  bad:\n    judge: { alpha: 3 }\n');
    assert.throws(() => loadPolicyFile(p), (error: unknown) => error instanceof ValidationError && error.field === 'DETECTOR_POLICY_FILE' && /policies\.bad\.judge\.alpha/.test(error.message));
    assert.throws(() => loadPolicyFile(file('default: x\npolicies: {}\n')), /default "x"/);
    assert.throws(() => loadPolicyFile(file('[1, 2]')), /mapping/);
    assert.throws(() => loadPolicyFile(file('a: [')), /not valid YAML/);
  });

  it('DETECTOR_DEFAULT_POLICY picks a built-in template or rejects an unknown name', () => {
    assert.ok(createDefaultEngine({ DETECTOR_POLICY_FILE: undefined, DETECTOR_DEFAULT_POLICY: 'strict' }));
    assert.throws(() => createDefaultEngine({ DETECTOR_POLICY_FILE: undefined, DETECTOR_DEFAULT_POLICY: 'nope' }), /unknown policy/);
  });
});

describe('detectorConfigSchema', () => {
  it('has laptop defaults and validates PROMETHEUS_QUERIES up front', async () => {
    const { detectorConfigSchema } = await import('./config.js');
    const { loadConfig } = await import('@rollwatch/core');
    const config = loadConfig(detectorConfigSchema, { env: {} });
    assert.equal(config.DETECTOR_PORT, 8081);
    assert.equal(config.DETECTOR_CONSUMER_GROUP, 'rollwatch-detector');
    assert.deepEqual(config.PROMETHEUS_QUERIES, {});
    const ok = loadConfig(detectorConfigSchema, { env: { PROMETHEUS_QUERIES: '{"http_error_rate":"sum(rate(e{rollout=\\"{{rollout}}\\",group=\\"{{group}}\\"}[1m]))"}' } });
    assert.deepEqual(Object.keys(ok.PROMETHEUS_QUERIES), ['http_error_rate']);
    assert.throws(() => loadConfig(detectorConfigSchema, { env: { PROMETHEUS_QUERIES: '{"x":"up{pod=\\"{{pod}}\\"}"}' } }), (e: unknown) => e instanceof ValidationError && e.field === 'PROMETHEUS_QUERIES' && /\{\{pod\}\}/.test(e.message));
    assert.throws(() => loadConfig(detectorConfigSchema, { env: { PROMETHEUS_QUERIES: 'not json' } }), /PROMETHEUS_QUERIES/);
    assert.throws(() => loadConfig(detectorConfigSchema, { env: { DETECTOR_METRIC_PROVIDER: 'datadog' } }), /DETECTOR_METRIC_PROVIDER/);
  });
});
