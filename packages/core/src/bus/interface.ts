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
  health(): Promise<HealthStatus>;
  close(): Promise<void>;
}
