import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { verdict } from '../testing/fixtures.js';
import { TestReceiver } from '../testing/receiver.js';
import { ArgoRolloutsActuator } from './argo-rollouts.js';
import { KubeClient } from './kube-client.js';

describe('ArgoRolloutsActuator against a fake API server', () => {
  const api = new TestReceiver();
  const tokenFile = path.join(mkdtempSync(path.join(tmpdir(), 'rw-argo-')), 'token');
  let actuator: ArgoRolloutsActuator;
  const request = { rollout: 'checkout-v2', target: { namespace: 'shop', name: 'checkout' }, verdict: verdict(), reason: 'no-go', idempotencyKey: 'act_1' };
  before(async () => {
    await api.start();
    writeFileSync(tokenFile, 'sa-token-1\n');
    actuator = new ArgoRolloutsActuator(new KubeClient({ apiUrl: api.url, tokenFile, caFile: '/nonexistent/ca.crt', timeoutMs: 1000 }));
  });
  beforeEach(() => (api.requests.length = 0));
  after(() => api.stop());

  const seen = () => api.requests.map((r) => ({ method: r.method, path: r.path, type: r.headers['content-type'], body: JSON.parse(r.body), auth: r.headers.authorization }));

  it('pause = merge-patch spec.paused=true on the rollout', async () => {
    assert.equal((await actuator.pause(request)).status, 'success');
    assert.deepEqual(seen(), [
      { method: 'PATCH', path: '/apis/argoproj.io/v1alpha1/namespaces/shop/rollouts/checkout', type: 'application/merge-patch+json', body: { spec: { paused: true } }, auth: 'Bearer sa-token-1' },
    ]);
  });

  it('rollback = abort through the status subresource', async () => {
    assert.equal((await actuator.rollback(request)).status, 'success');
    assert.deepEqual(seen(), [
      { method: 'PATCH', path: '/apis/argoproj.io/v1alpha1/namespaces/shop/rollouts/checkout/status', type: 'application/merge-patch+json', body: { status: { abort: true } }, auth: 'Bearer sa-token-1' },
    ]);
  });

  it('resume = clear abort, then spec.paused=false; the token file is re-read (rotation)', async () => {
    writeFileSync(tokenFile, 'sa-token-2');
    assert.equal((await actuator.resume(request)).status, 'success');
    assert.deepEqual(seen(), [
      { method: 'PATCH', path: '/apis/argoproj.io/v1alpha1/namespaces/shop/rollouts/checkout/status', type: 'application/merge-patch+json', body: { status: { abort: false } }, auth: 'Bearer sa-token-2' },
      { method: 'PATCH', path: '/apis/argoproj.io/v1alpha1/namespaces/shop/rollouts/checkout', type: 'application/merge-patch+json', body: { spec: { paused: false } }, auth: 'Bearer sa-token-2' },
    ]);
  });

  it('403 (RBAC) is permanent, 503 retryable; names are path-escaped', async () => {
    api.reply({ status: 403, body: '{"reason":"Forbidden"}' }, { status: 503 });
    assert.equal((await actuator.pause(request)).status, 'failure');
    assert.equal((await actuator.pause({ ...request, target: { namespace: 'a b', name: 'x/y' } })).status, 'retryable');
    assert.equal(api.requests[1]!.path, '/apis/argoproj.io/v1alpha1/namespaces/a%20b/rollouts/x%2Fy');
  });
});
