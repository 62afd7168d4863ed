import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { INDICES, MemoryBus, MemoryStore, TOPICS, createLogger, type Bus, type GroupMember } from '@rollwatch/core';
import { decodeMemberCard, encodeMemberCard, OwnerDirectory, ownerUrl } from './owners.js';

const member = (id: string, url: string | undefined, partitions: number[]): GroupMember => ({ memberId: id, ...(url ? { data: encodeMemberCard({ url }) } : {}), assignment: { [TOPICS.events]: partitions } });

describe('owner directory', () => {
  it('names the member assigned the partition, by the URL it published', () => {
    const members = [member('a', 'http://a:8081', [0, 2]), member('b', 'http://b:8081', [1, 3]), member('c', undefined, [4])];
    assert.equal(ownerUrl(members, 3), 'http://b:8081');
    assert.equal(ownerUrl(members, 4), undefined, 'a member without a URL cannot be forwarded to');
    assert.equal(ownerUrl(members, 9), undefined);
    assert.equal(decodeMemberCard('not json'), undefined);
    assert.equal(decodeMemberCard('{"url":"file:///etc/passwd"}'), undefined);
  });

  it('finds the partition from the stored events, never names itself, and re-asks the group after invalidate()', async () => {
    const store = new MemoryStore();
    await store.ensureIndices();
    await store.put(INDICES.events, [{ id: 'e1', rollout: 'prod/x', partition: 1, offset: '5', time: new Date().toISOString() }]);
    let described = 0;
    let members = [member('a', 'http://a:1', [0]), member('b', 'http://b:1', [1])];
    const bus = Object.assign(new MemoryBus(2), { groupMembers: async () => (described++, members) }) as Bus;
    const owners = new OwnerDirectory({ bus, store, group: 'g', self: 'http://a:1', logger: createLogger('test', 'silent') });
    assert.equal(await owners.ownerOf('prod/x'), 'http://b:1');
    assert.equal(await owners.ownerOf('prod/unknown'), undefined);
    members = [member('a', 'http://a:1', [0, 1])];
    assert.equal(await owners.ownerOf('prod/x'), 'http://b:1', 'the group description is cached');
    owners.invalidate();
    assert.equal(await owners.ownerOf('prod/x'), undefined, 'we own it now: nothing to forward');
    assert.equal(described, 2);
  });
});
