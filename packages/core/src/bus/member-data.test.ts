import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AssignerProtocol, type Cluster, type GroupDescription } from 'kafkajs';
import { decodeGroupMembers, roundRobinWithMemberData } from './member-data.js';

describe('group member data', () => {
  it('is published in the member metadata under round-robin\'s protocol and read back with the assignment', () => {
    const assigner = roundRobinWithMemberData('{"url":"http://a:8081"}')({ cluster: {} as Cluster, groupId: 'g', logger: {} as never });
    assert.equal(assigner.name, 'RoundRobinAssigner', 'members with and without data share a group');
    const { metadata } = assigner.protocol({ topics: ['t'] });
    const group: GroupDescription = {
      groupId: 'g',
      protocol: 'RoundRobinAssigner',
      protocolType: 'consumer',
      state: 'Stable',
      members: [
        { memberId: 'm1', clientId: 'c', clientHost: 'h', memberMetadata: metadata, memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 0, assignment: { t: [0, 2] }, userData: Buffer.alloc(0) }) },
        { memberId: 'm2', clientId: 'c', clientHost: 'h', memberMetadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics: ['t'], userData: Buffer.alloc(0) }), memberAssignment: Buffer.alloc(0) },
      ],
    };
    assert.deepEqual(decodeGroupMembers(group), [
      { memberId: 'm1', data: '{"url":"http://a:8081"}', assignment: { t: [0, 2] } },
      { memberId: 'm2', assignment: {} },
    ]);
  });
});
