import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PartitionOwnership } from './ownership.js';

describe('PartitionOwnership', () => {
  it('a rollout of an assigned partition is restoring until restored(), and dropped on revoke', () => {
    const o = new PartitionOwnership();
    o.assign([1, 2]);
    o.place('a', 1);
    o.place('b', 2);
    assert.equal(o.isRestoring('a'), true);
    o.restored([1]);
    assert.equal(o.isRestoring('a'), false);
    assert.equal(o.isRestoring('b'), true);
    assert.deepEqual(o.ownedPartitions(), [1, 2]);
    assert.deepEqual(o.revoke([2]), ['b']);
    assert.equal(o.owns(2), false);
    assert.equal(o.partition('b'), undefined);
    assert.equal(o.isRestoring('b'), false);
    assert.equal(o.partition('a'), 1);
  });

  it('moving or forgetting a rollout keeps the per-partition index right', () => {
    const o = new PartitionOwnership();
    o.assign([0, 1]);
    o.place('a', 0);
    o.place('a', 1);
    assert.deepEqual(o.revoke([0]), []);
    o.forget('a');
    assert.deepEqual(o.revoke([1]), []);
  });
});
