export interface BusMessage {
  key: string;
  value: string;
  headers?: Record<string, string>;
}

export interface ConsumedMessage extends BusMessage {
  topic: string;
  partition: number;
  offset: string;
}

/**
 * Told which partitions this group member owns, so per-partition state can follow the assignment.
 * `assigned` runs when partitions are handed to this member (with an empty list after a join that
 * added none); no message of those partitions reaches the handler before its promise resolves
 * (restore state first, then consume). `revoked` runs when partitions leave this member (rebalance,
 * or stop); their messages are another member's now.
 */
export interface PartitionListener {
  assigned(topic: string, partitions: number[]): Promise<void>;
  revoked(topic: string, partitions: number[]): void;
}

export interface SubscribeOptions {
  topics: string[];
  groupId: string;
  /** Start from the earliest retained message when the group has no committed offset. */
  fromBeginning?: boolean;
  /**
   * Called with a batch from one partition, in order. Offsets are committed only after it resolves,
   * so the work it does must be durable before it returns. A throw redelivers the same batch.
   */
  handler: (batch: ConsumedMessage[]) => Promise<void>;
  /** Follow partition assignment (Kafka: the group join's assignment; in-process: every partition). */
  partitions?: PartitionListener;
  /**
   * A short string this member publishes to the rest of its group (Kafka: the userData of its group
   * member metadata), read back with `Bus.groupMembers` (a detector replica's advertised URL).
   */
  memberData?: string;
}

/** One member of a consumer group as the broker describes it: what it published and what it was assigned. */
export interface GroupMember {
  memberId: string;
  /** Its `memberData` (undefined if it published none). */
  data?: string;
  /** topic → partitions assigned to it in the group's current generation. */
  assignment: Record<string, number[]>;
}

export interface Subscription {
  stop(): Promise<void>;
}

export interface HealthStatus {
  ok: boolean;
  detail?: string;
}

/** The message bus: Kafka in production, in-process in embedded mode. */
export interface Bus {
  readonly kind: 'kafka' | 'memory';
  /** Resolves once every message is acknowledged (acks from all in-sync replicas for Kafka). */
  publish(topic: string, messages: BusMessage[]): Promise<void>;
  subscribe(options: SubscribeOptions): Promise<Subscription>;
  /** The members of a consumer group and their assignments (Kafka only; the in-process bus has one member). */
  groupMembers?(groupId: string): Promise<GroupMember[]>;
  health(): Promise<HealthStatus>;
  close(): Promise<void>;
}
