import { Kafka, logLevel, type Admin } from 'kafkajs';

export interface GroupLag {
  /** Sum over partitions of (latest offset − committed offset); a partition never committed counts from its low watermark. */
  lag: number;
  endOffsets: number;
  partitions: number;
}

/**
 * Kafka admin reads for assertions: consumer-group lag (`fetchOffsets` vs `fetchTopicOffsets`)
 * and the number of messages on a topic.
 */
export class KafkaProbe {
  private readonly admin: Admin;
  private connected: Promise<void> | undefined;

  constructor(brokers: string[]) {
    const kafka = new Kafka({ clientId: 'rollwatch-reliability-probe', brokers, logLevel: logLevel.NOTHING, connectionTimeout: 3000, requestTimeout: 10_000, retry: { retries: 2 } });
    this.admin = kafka.admin();
  }

  private connect(): Promise<void> {
    this.connected ??= this.admin.connect().catch((error: unknown) => {
      this.connected = undefined;
      throw error;
    });
    return this.connected;
  }

  async lag(groupId: string, topic: string): Promise<GroupLag> {
    await this.connect();
    const [latest, committed] = await Promise.all([this.admin.fetchTopicOffsets(topic), this.admin.fetchOffsets({ groupId, topics: [topic] })]);
    const committedByPartition = new Map<number, number>();
    for (const t of committed) for (const p of t.partitions) committedByPartition.set(p.partition, Number(p.offset));
    let lag = 0;
    let endOffsets = 0;
    for (const p of latest) {
      const end = Number(p.high);
      const low = Number(p.low);
      endOffsets += end;
      const at = committedByPartition.get(p.partition) ?? -1;
      lag += Math.max(0, end - (at >= 0 ? at : low));
    }
    return { lag, endOffsets, partitions: latest.length };
  }

  /** Messages currently on a topic (high − low watermark, summed over partitions). */
  async messageCount(topic: string): Promise<number> {
    await this.connect();
    const offsets = await this.admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  }

  async close(): Promise<void> {
    if (this.connected) await this.admin.disconnect().catch(() => undefined);
    this.connected = undefined;
  }
}
