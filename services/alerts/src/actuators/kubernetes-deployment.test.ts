import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { verdict } from '../testing/fixtures.js';
import { TestReceiver, type ReceivedRequest, type Reply } from '../testing/receiver.js';
import { KubeClient } from './kube-client.js';
import { KubernetesDeploymentActuator, planRollback, type DeploymentObject, type ReplicaSetObject } from './kubernetes-deployment.js';
import { applyMergePatch, mergePatchBetween } from './merge-patch.js';

const UID = 'dep-uid-1';
function template(image: string, extra: Record<string, string> = {}) {
  return { metadata: { labels: { app: 'checkout', ...extra } }, spec: { containers: [{ name: 'app', image }] } };
}
function replicaSet(revision: number, image: string, owner = UID, hash = `h${revision}`): ReplicaSetObject {
  return {
    metadata: { name: `checkout-${hash}`, uid: `rs-${revision}`, annotations: { 'deployment.kubernetes.io/revision': String(revision) }, ownerReferences: [{ uid: owner, kind: 'Deployment' }] },
    spec: { template: { ...template(image, { 'pod-template-hash': hash }) } },
  };
}
function deployment(paused = false): DeploymentObject {
  return {
    metadata: { name: 'checkout', uid: UID, resourceVersion: '42', annotations: { 'deployment.kubernetes.io/revision': '3' } },
    spec: { paused, selector: { matchLabels: { app: 'checkout' } }, template: { metadata: { labels: { app: 'checkout', canary: 'true' }, annotations: { 'kubectl.kubernetes.io/restartedAt': 'x' } }, spec: { containers: [{ name: 'app', image: 'checkout:3' }] } } },
  };
}

describe('planRollback (what kubectl rollout undo picks)', () => {
  it('the owned ReplicaSet with the highest revision below the current one, minus pod-template-hash', () => {
    const plan = planRollback(deployment(), [replicaSet(1, 'checkout:1'), replicaSet(3, 'checkout:3'), replicaSet(2, 'checkout:2'), replicaSet(9, 'other:9', 'someone-else')]);
    assert.deepEqual(plan, { ok: true, revision: 2, template: template('checkout:2') });
  });
  it('refuses a paused Deployment', () => {
    const plan = planRollback(deployment(true), [replicaSet(2, 'checkout:2'), replicaSet(3, 'checkout:3')]);
    assert.equal(plan.ok, false);
    assert.match(!plan.ok ? plan.reason : '', /is paused; resume it/);
  });
  it('refuses when there is no previous revision', () => {
    const plan = planRollback(deployment(), [replicaSet(3, 'checkout:3'), replicaSet(1, 'x', 'someone-else')]);
    assert.match(!plan.ok ? plan.reason : '', /no previous revision/);
  });
});

describe('mergePatchBetween', () => {
  it('produces a patch that turns one template into exactly the other', () => {
    const from = deployment().spec.template;
    const to = template('checkout:2');
    const patch = mergePatchBetween(from, to);
    assert.deepEqual(applyMergePatch(from, patch), to);
    assert.deepEqual(patch, { metadata: { labels: { canary: null }, annotations: null }, spec: { containers: [{ name: 'app', image: 'checkout:2' }] } });
    assert.equal(mergePatchBetween(to, structuredClone(to)), undefined);
  });
});

describe('KubernetesDeploymentActuator against a fake API server', () => {
  const api = new TestReceiver();
  let stored: DeploymentObject;
  let replicaSets: ReplicaSetObject[];
  let actuator: KubernetesDeploymentActuator;
  const request = { rollout: 'checkout-v2', target: { namespace: 'shop', name: 'checkout' }, verdict: verdict(), reason: 'no-go', idempotencyKey: 'act_1' };

  function fakeApiServer(req: ReceivedRequest): Reply {
    const url = new URL(req.path, 'http://x');
    if (url.pathname === '/apis/apps/v1/namespaces/shop/deployments/checkout') {
      if (req.method === 'GET') return { status: 200, body: JSON.stringify(stored) };
      if (req.method === 'PATCH') {
        if (req.headers['content-type'] !== 'application/merge-patch+json') return { status: 415, body: 'unsupported media type' };
        const patch = JSON.parse(req.body) as { metadata?: { resourceVersion?: string } };
        if (patch.metadata?.resourceVersion && patch.metadata.resourceVersion !== stored.metadata.resourceVersion) return { status: 409, body: 'conflict' };
        stored = applyMergePatch(stored, patch) as DeploymentObject;
        return { status: 200, body: JSON.stringify(stored) };
      }
    }
    if (req.method === 'GET' && url.pathname === '/apis/apps/v1/namespaces/shop/replicasets') {
      assert.equal(url.searchParams.get('labelSelector'), 'app=checkout');
      return { status: 200, body: JSON.stringify({ items: replicaSets }) };
    }
    return { status: 404, body: 'not found' };
  }

  before(async () => {
    await api.start();
    api.handler = fakeApiServer;
    actuator = new KubernetesDeploymentActuator(new KubeClient({ apiUrl: api.url, timeoutMs: 1000 }));
  });
  beforeEach(() => {
    api.requests.length = 0;
    stored = deployment();
    replicaSets = [replicaSet(1, 'checkout:1'), replicaSet(2, 'checkout:2'), replicaSet(3, 'checkout:3')];
  });
  after(() => api.stop());

  it('pause and resume merge-patch spec.paused', async () => {
    assert.equal((await actuator.pause(request)).status, 'success');
    assert.equal((await actuator.resume(request)).status, 'success');
    assert.deepEqual(
      api.requests.map((r) => [r.method, r.path, r.headers['content-type'], JSON.parse(r.body)]),
      [
        ['PATCH', '/apis/apps/v1/namespaces/shop/deployments/checkout', 'application/merge-patch+json', { spec: { paused: true } }],
        ['PATCH', '/apis/apps/v1/namespaces/shop/deployments/checkout', 'application/merge-patch+json', { spec: { paused: false } }],
      ],
    );
  });

  it('rollback patches spec.template back to the previous revision, conditional on resourceVersion', async () => {
    const result = await actuator.rollback(request);
    assert.deepEqual(result, { status: 'success', value: { responseCode: 200, detail: 'rolled back to revision 2' } });
    assert.deepEqual(stored.spec.template, template('checkout:2'));
    const patch = api.requests.find((r) => r.method === 'PATCH')!;
    assert.equal(patch.headers['content-type'], 'application/merge-patch+json');
    assert.equal(JSON.parse(patch.body).metadata.resourceVersion, '42');
  });

  it('refuses a paused Deployment without patching it', async () => {
    stored = deployment(true);
    const result = await actuator.rollback(request);
    assert.equal(result.status, 'failure');
    assert.match(result.status === 'failure' ? result.error : '', /paused/);
    assert.ok(api.requests.every((r) => r.method === 'GET'));
  });

  it('refuses when there is no previous revision', async () => {
    replicaSets = [replicaSet(3, 'checkout:3')];
    const result = await actuator.rollback(request);
    assert.match(result.status === 'failure' ? result.error : '', /no previous revision/);
  });

  it('a concurrent change (409) is retryable', async () => {
    stored = deployment();
    const original = api.handler;
    api.handler = (req) => (req.method === 'PATCH' ? { status: 409, body: 'the object has been modified' } : original!(req));
    const result = await actuator.rollback(request);
    api.handler = original;
    assert.equal(result.status, 'retryable');
  });
});
