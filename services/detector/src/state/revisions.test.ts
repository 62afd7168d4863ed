import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RollwatchEvent } from '@rollwatch/core';
import { RevisionIndex, analysisEvent } from './revisions.js';

let n = 0;
const ev = (rollout: string, revision: string | undefined, time: string, labels: Record<string, string> = {}): RollwatchEvent =>
  ({ id: `e${++n}`, time, rollout, group: 'canary', type: 'container_start', instance: 'p', labels, ...(revision ? { revision } : {}) }) as RollwatchEvent;

describe('RevisionIndex', () => {
  it('resolves an id to its newest revision, an exact key or ?revision= as given, and learns actuation labels', () => {
    const index = new RevisionIndex(() => 0);
    index.observe([ev('prod/checkout', 'A', '2026-12-01T10:00:00Z', { 'k8s.namespace': 'prod', 'rollwatch.io/workload': 'checkout-primary' })]);
    index.observe([ev('prod/checkout', 'B', '2026-12-01T11:00:00Z'), ev('legacy', undefined, '2026-12-01T11:00:00Z')]);
    assert.equal(index.resolve('prod/checkout'), 'prod/checkout@B');
    assert.equal(index.resolve('prod/checkout', 'A'), 'prod/checkout@A');
    assert.equal(index.resolve('prod/checkout@A'), 'prod/checkout@A');
    assert.equal(index.resolve('legacy'), 'legacy');
    assert.equal(index.resolve('unknown'), 'unknown');
    assert.deepEqual(index.observedLabels('prod/checkout@A'), { 'rollwatch.io/namespace': 'prod', 'rollwatch.io/target': 'checkout' });
    assert.equal(analysisEvent(ev('prod/checkout', 'A', '2026-12-01T10:00:00Z')).rollout, 'prod/checkout@A');
  });

  it('binds a Flagger checksum to a revision; a new checksum never takes the no-go of the release before it', () => {
    let clock = 1_000_000;
    const index = new RevisionIndex(() => clock);
    const noGo = new Map<string, number>();
    const noGoBefore = (key: string, ms: number) => (noGo.get(key) ?? Infinity) < ms;
    index.observe([ev('prod/podinfo', 'A', '2026-12-01T10:00:00Z')]);
    noGo.set('prod/podinfo@A', clock);
    clock += 60_000;
    assert.equal(index.bindChecksum('prod/podinfo', 'cA', 300_000, noGoBefore), 'prod/podinfo@A', 'the first checksum takes the running revision, failed or not');
    clock += 60_000;
    assert.equal(index.bindChecksum('prod/podinfo', 'cB', 300_000, noGoBefore), undefined, 'new release, nothing reported yet: pending');
    clock += 10_000;
    index.observe([ev('prod/podinfo', 'B', '2026-12-01T10:30:00Z')]);
    assert.equal(index.bindChecksum('prod/podinfo', 'cB', 300_000, noGoBefore), 'prod/podinfo@B');
    assert.equal(index.bindChecksum('prod/podinfo', 'cA', 300_000, noGoBefore), 'prod/podinfo@A', 'bindings stay');
    clock += 3_600_000;
    index.observe([ev('prod/podinfo', 'C', '2026-12-01T11:30:00Z')]);
    clock += 3_600_000;
    assert.equal(index.bindChecksum('prod/podinfo', 'cD', 300_000, noGoBefore), undefined, 'a revision seen long before the checksum is not its release');
  });

  it('survives a checkpoint: entries of the partition\'s keys restore revision, newest order and actuation labels', () => {
    const before = new RevisionIndex(() => 0);
    before.observe([ev('prod/checkout', 'A', '2026-12-01T10:00:00Z', { 'k8s.namespace': 'prod', 'rollwatch.io/argo-rollout': 'checkout' })]);
    before.observe([ev('prod/checkout', 'B', '2026-12-01T11:00:00Z'), ev('other', 'X', '2026-12-01T11:00:00Z')]);
    const kept = JSON.parse(JSON.stringify(before.entries(['prod/checkout@A', 'prod/checkout@B', 'never-seen']))) as unknown[];
    assert.equal(kept.length, 2);

    const after = new RevisionIndex(() => 5);
    after.restore([...kept, null, { key: 'bad' }]);
    assert.equal(after.resolve('prod/checkout'), 'prod/checkout@B');
    assert.equal(after.get('prod/checkout@A')?.revision, 'A');
    assert.deepEqual(after.observedLabels('prod/checkout@A'), { 'rollwatch.io/namespace': 'prod', 'rollwatch.io/target': 'checkout' });
    assert.equal(after.get('other@X'), undefined, 'only the keys asked for are kept');
    assert.equal(after.get('bad'), undefined, 'malformed entries are skipped');
  });
});
