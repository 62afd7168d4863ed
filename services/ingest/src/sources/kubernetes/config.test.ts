import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '@rollwatch/core';
import { kubernetesSourceConfigSchema, resolveKubernetesSourceConfig } from './config.js';

describe('kubernetes source config', () => {
  it('has laptop-friendly defaults', () => {
    const c = loadConfig(kubernetesSourceConfigSchema, { env: {} });
    assert.deepEqual(c.K8S_NAMESPACES, []);
    assert.equal(c.KUBECONFIG, undefined);
    assert.equal(c.K8S_RESYNC_SECONDS, 600);
    assert.equal(c.K8S_WATCH_EVENTS, true);
    assert.ok(c.K8S_NODE_LABELS.includes('topology.kubernetes.io/zone'));
  });

  it('parses lists and numbers from env vars', () => {
    const c = loadConfig(kubernetesSourceConfigSchema, { env: { K8S_NAMESPACES: 'shop, payments', K8S_RESYNC_SECONDS: '0', K8S_NODE_LABELS: 'a,b', K8S_WATCH_ROLLOUTS: 'false' } });
    assert.deepEqual(c.K8S_NAMESPACES, ['shop', 'payments']);
    assert.equal(c.K8S_RESYNC_SECONDS, 0);
    assert.deepEqual(c.K8S_NODE_LABELS, ['a', 'b']);
    assert.equal(c.K8S_WATCH_ROLLOUTS, false);
  });

  it('names the bad field', () => {
    assert.throws(() => loadConfig(kubernetesSourceConfigSchema, { env: { K8S_WATCH_TIMEOUT_SECONDS: 'soon' } }), /K8S_WATCH_TIMEOUT_SECONDS/);
  });

  it('takes values from the service config and fills the rest from the environment', () => {
    const c = resolveKubernetesSourceConfig({ INGEST_PORT: 8080, K8S_NAMESPACES: ['shop'] }, { K8S_LABEL_SELECTOR: 'team=pay' });
    assert.deepEqual(c.K8S_NAMESPACES, ['shop']);
    assert.equal(c.K8S_LABEL_SELECTOR, 'team=pay');
    assert.equal(c.K8S_WATCH_TIMEOUT_SECONDS, 300);
  });
});
