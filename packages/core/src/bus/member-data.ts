import { AssignerProtocol, PartitionAssigners, type GroupDescription, type PartitionAssigner } from 'kafkajs';
import type { GroupMember } from './interface.js';

/**
 * kafkajs' round-robin assigner, with `data` as the userData of this member's group metadata. The
 * protocol name and the assignment are round-robin's own, so members with and without data share a
 * group (a rolling upgrade); any client reads the data back from the broker (describeGroups).
 */
export function roundRobinWithMemberData(data: string): PartitionAssigner {
  return (config) => {
    const base = PartitionAssigners.roundRobin(config);
    return {
      name: base.name,
      version: base.version,
      assign: (group) => base.assign(group),
      protocol: ({ topics }) => ({ name: base.name, metadata: AssignerProtocol.MemberMetadata.encode({ version: base.version, topics, userData: Buffer.from(data, 'utf8') }) }),
    };
  };
}

/** The members of a described group: the data each published and the partitions it holds. */
export function decodeGroupMembers(group: GroupDescription): GroupMember[] {
  return group.members.map((member) => {
    const metadata = member.memberMetadata.length > 0 ? AssignerProtocol.MemberMetadata.decode(member.memberMetadata) : null;
    const assignment = member.memberAssignment.length > 0 ? AssignerProtocol.MemberAssignment.decode(member.memberAssignment) : null;
    const data = metadata?.userData && metadata.userData.length > 0 ? metadata.userData.toString('utf8') : undefined;
    return { memberId: member.memberId, ...(data !== undefined ? { data } : {}), assignment: { ...(assignment?.assignment ?? {}) } };
  });
}
