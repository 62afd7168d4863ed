import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pod } from './testing/fixtures.js';
import { podEventLabels, podVersion, workloadOf } from './workload.js';

describe('workload resolution', () => {
  it('resolves a Deployment pod through its ReplicaSet name and pod-template-hash', () => {
    const p = pod({ name: 'checkout-7d9f8c6b5-abcde', uid: 'u1', workload: 'checkout', hash: '7d9f8c6b5' });
    assert.deepEqual(workloadOf(p), { name: 'checkout', kind: 'Deployment' });
    const labels = podEventLabels(p, () => undefined);
    assert.equal(labels['rollwatch.io/workload'], 'checkout');
    assert.equal(labels['rollwatch.io/argo-rollout'], undefined);
    assert.equal(labels['k8s.namespace'], 'shop');
    assert.equal(labels['k8s.pod'], 'checkout-7d9f8c6b5-abcde');
    assert.equal(labels['k8s.node'], 'worker-1');
    assert.equal(labels.app, 'checkout', 'pod labels are kept');
    assert.equal(podVersion(p), '7d9f8c6b5');
  });

  it('resolves an Argo Rollout pod and adds the stable hash so canary pods can be told apart', () => {
    const canary = pod({ name: 'payments-6f5c9d7b8-zzzzz', uid: 'u2', workload: 'payments', hash: '6f5c9d7b8', argo: true });
    assert.deepEqual(workloadOf(canary), { name: 'payments', kind: 'Rollout', argoRollout: 'payments' });
    const labels = podEventLabels(canary, (ns, name) => (ns === 'shop' && name === 'payments' ? '5b4a3c2d1' : undefined));
    assert.equal(labels['rollwatch.io/workload'], 'payments');
    assert.equal(labels['rollwatch.io/argo-rollout'], 'payments');
    assert.equal(labels['rollwatch.io/argo-stable-hash'], '5b4a3c2d1');
    assert.notEqual(labels['rollouts-pod-template-hash'], labels['rollwatch.io/argo-stable-hash']);
  });

  it('omits the stable hash when the Rollout is unknown', () => {
    const p = pod({ name: 'payments-6f5c9d7b8-zzzzz', uid: 'u3', workload: 'payments', hash: '6f5c9d7b8', argo: true });
    assert.equal(podEventLabels(p, () => undefined)['rollwatch.io/argo-stable-hash'], undefined);
  });

  it('uses the owner name for StatefulSets and DaemonSets, the ReplicaSet name for bare ReplicaSets', () => {
    const sts = pod({ name: 'db-0', uid: 'u4' });
    sts.metadata!.ownerReferences = [{ kind: 'StatefulSet', name: 'db', controller: true }];
    assert.deepEqual(workloadOf(sts), { name: 'db', kind: 'StatefulSet' });
    const bare = pod({ name: 'x-1', uid: 'u5' });
    bare.metadata!.labels = { app: 'x' };
    bare.metadata!.ownerReferences = [{ kind: 'ReplicaSet', name: 'x-handmade', controller: true }];
    assert.deepEqual(workloadOf(bare), { name: 'x-handmade', kind: 'ReplicaSet' });
    const naked = pod({ name: 'debug', uid: 'u6' });
    naked.metadata!.ownerReferences = [];
    assert.equal(workloadOf(naked), undefined);
    assert.equal(podEventLabels(naked, () => undefined)['rollwatch.io/workload'], undefined);
  });
});
