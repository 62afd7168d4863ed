import { INDICES, TOPICS, errorMessage, type Bus, type GroupMember, type Logger, type Store } from '@rollwatch/core';

/** What a detector replica publishes to its consumer group (Kafka group member metadata). */
export interface MemberCard {
  /** DETECTOR_ADVERTISED_URL: where the other replicas reach its API. */
  url: string;
}

export function encodeMemberCard(card: MemberCard): string {
  return JSON.stringify(card);
}

export function decodeMemberCard(data: string | undefined): MemberCard | undefined {
  if (!data) return undefined;
  try {
    const parsed = JSON.parse(data) as Partial<MemberCard>;
    return typeof parsed.url === 'string' && /^https?:\/\//.test(parsed.url) ? { url: parsed.url } : undefined;
  } catch {
    return undefined;
  }
}

/** The advertised URL of the member assigned `partition` of rollwatch.events, if it published one. */
export function ownerUrl(members: readonly GroupMember[], partition: number): string | undefined {
  for (const member of members) {
    if ((member.assignment[TOPICS.events] ?? []).includes(partition)) return decodeMemberCard(member.data)?.url;
  }
  return undefined;
}

export interface OwnerDirectoryOptions {
  bus: Bus;
  store: Store;
  group: string;
  /** This replica's advertised URL: never forwarded to. */
  self?: string | undefined;
  logger: Logger;
  /** How long a description of the group is reused (the broker is asked at most this often). */
  membersTtlMs?: number;
  now?: () => number;
}

const PARTITION_CACHE_MAX = 50_000;

/**
 * Which replica owns a rollout another replica is asked about: the rollout's partition of
 * rollwatch.events (from its stored events, which carry it; fixed while the partition count is),
 * then the group member the broker says is assigned that partition, and the URL it published.
 */
export class OwnerDirectory {
  private readonly partitions = new Map<string, number>();
  private members: { at: number; list: Promise<GroupMember[]> } | undefined;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(private readonly options: OwnerDirectoryOptions) {
    this.ttlMs = options.membersTtlMs ?? 2000;
    this.now = options.now ?? Date.now;
  }

  /** Forwarding needs the bus to describe the group (Kafka) and somewhere to forward from. */
  get enabled(): boolean {
    return typeof this.options.bus.groupMembers === 'function';
  }

  /** The owner's URL for a rollout id, or undefined (unknown partition, no owner, owner is us, or owner published no URL). */
  async ownerOf(id: string): Promise<string | undefined> {
    if (!this.enabled) return undefined;
    const partition = await this.partitionOf(id);
    if (partition === undefined) return undefined;
    const url = ownerUrl(await this.groupMembers(), partition);
    return url && url !== this.options.self ? url : undefined;
  }

  /** After a failed forward: the group may have changed, ask the broker again next time. */
  invalidate(): void {
    this.members = undefined;
  }

  private async partitionOf(id: string): Promise<number | undefined> {
    const cached = this.partitions.get(id);
    if (cached !== undefined) return cached;
    const hit = (await this.options.store.search(INDICES.events, { filters: { rollout: id }, size: 1 })).hits[0];
    if (typeof hit?.partition !== 'number') return undefined;
    if (this.partitions.size >= PARTITION_CACHE_MAX) this.partitions.delete(this.partitions.keys().next().value as string);
    this.partitions.set(id, hit.partition);
    return hit.partition;
  }

  private groupMembers(): Promise<GroupMember[]> {
    const at = this.now();
    if (!this.members || at - this.members.at > this.ttlMs) {
      const list = this.options.bus.groupMembers!(this.options.group).catch((error: unknown) => {
        this.options.logger.warn({ err: errorMessage(error) }, 'describing the consumer group failed; answering from checkpoints');
        this.members = undefined;
        return [] as GroupMember[];
      });
      this.members = { at, list };
    }
    return this.members.list;
  }
}
