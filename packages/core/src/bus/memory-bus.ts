import { setTimeout as sleep } from 'node:timers/promises';
import { EventEmitter } from 'node:events';
import type { Bus, BusMessage, ConsumedMessage, HealthStatus, SubscribeOptions, Subscription } from './interface.js';
import { partitionFor } from './partition.js';
import { consumeWithDeadLetters } from './dead-letter.js';
import { TOPICS, isPermanent } from '@rollwatch/contract';

interface Partition {
  /** Offset of messages[0]; older messages were trimmed after every group consumed them. */
  base: number;
  messages: BusMessage[];
}

/**
 * In-process bus for embedded mode. Same semantics the services rely on from Kafka: keyed
 * partitions keep per-key order, consumer groups share work, offsets advance only after the
 * handler resolves, and a failing handler sees the same batch again. Not durable across restarts.
 */
export class MemoryBus implements Bus {
  readonly kind = 'memory' as const;
  private readonly topics = new Map<string, Partition[]>();
  /** groupId → topic → committed offset per partition. */
  private readonly committed = new Map<string, Map<string, number[]>>();
  private readonly wake = new EventEmitter();
  private closed = false;

  constructor(private readonly partitions = 4, private readonly maxBatch = 500) {
    this.wake.setMaxListeners(0);
  }

  async publish(topic: string, messages: BusMessage[]): Promise<void> {
    if (this.closed) throw new Error('bus is closed');
    const parts = this.topic(topic);
    for (const message of messages) {
      parts[partitionFor(message.key, parts.length)]!.messages.push({ ...message });
    }
    this.wake.emit('message');
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    let running = true;
    // One process, so one member: it is assigned every partition, restored before consuming.
    const all = Array.from({ length: this.partitions }, (_, p) => p);
    for (const topic of options.topics) await options.partitions?.assigned(topic, all);
    const loops = options.topics.map((topic) => this.consumeLoop(topic, options, () => running));
    return {
      stop: async () => {
        running = false;
        this.wake.emit('message');
        await Promise.all(loops);
        for (const topic of options.topics) options.partitions?.revoked(topic, all);
      },
    };
  }

  async health(): Promise<HealthStatus> {
    return { ok: !this.closed, detail: 'embedded in-process bus' };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wake.emit('message');
  }

  /** Messages not yet committed by a group: the embedded analogue of consumer lag. */
  lag(groupId: string, topic: string): number {
    const parts = this.topic(topic);
    const offsets = this.offsets(groupId, topic, false);
    return parts.reduce((sum, p, i) => sum + p.base + p.messages.length - offsets[i]!, 0);
  }

  private topic(name: string): Partition[] {
    let parts = this.topics.get(name);
    if (!parts) {
      parts = Array.from({ length: this.partitions }, () => ({ base: 0, messages: [] }));
      this.topics.set(name, parts);
    }
    return parts;
  }

  private offsets(groupId: string, topic: string, fromBeginning: boolean): number[] {
    let byTopic = this.committed.get(groupId);
    if (!byTopic) this.committed.set(groupId, (byTopic = new Map()));
    let offsets = byTopic.get(topic);
    if (!offsets) {
      const parts = this.topic(topic);
      offsets = parts.map((p) => (fromBeginning ? p.base : p.base + p.messages.length));
      byTopic.set(topic, offsets);
    }
    return offsets;
  }

  private async consumeLoop(topic: string, options: SubscribeOptions, isRunning: () => boolean): Promise<void> {
    const parts = this.topic(topic);
    const offsets = this.offsets(options.groupId, topic, options.fromBeginning ?? false);
    let failures = 0;
    while (isRunning() && !this.closed) {
      let delivered = false;
      for (let p = 0; p < parts.length && isRunning(); p++) {
        const part = parts[p]!;
        const start = offsets[p]! - part.base;
        if (start >= part.messages.length) continue;
        const slice = part.messages.slice(start, start + this.maxBatch);
        const batch: ConsumedMessage[] = slice.map((m, i) => ({ ...m, topic, partition: p, offset: String(offsets[p]! + i) }));
        try {
          await options.handler(batch);
          failures = 0;
        } catch (error) {
          if (!isPermanent(error)) {
            // Same batch again after a backoff: at-least-once, like Kafka without a commit.
            failures++;
            await sleep(Math.min(5000, 50 * 2 ** Math.min(failures, 7)));
            continue;
          }
          // The data's fault: dead-letter the messages that cause it and move on (as KafkaBus does).
          const done = await consumeWithDeadLetters(batch, {
            source: 'embedded',
            consumer: options.groupId,
            handler: options.handler,
            deadLetter: (dead) => this.publish(TOPICS.dlq, dead),
            active: () => isRunning() && !this.closed,
            backoffMs: (attempt) => Math.min(5000, 50 * 2 ** Math.min(attempt, 7)),
          });
          if (!done) continue;
        }
        offsets[p] = offsets[p]! + batch.length;
        delivered = true;
        this.trim(topic, p);
      }
      if (!delivered) {
        await new Promise<void>((resolve) => {
          const done = (): void => {
            clearTimeout(timer);
            this.wake.off('message', done);
            resolve();
          };
          const timer = setTimeout(done, 1000);
          this.wake.on('message', done);
        });
      }
    }
  }

  /** Drops messages every group has committed, so embedded mode's memory stays bounded. */
  private trim(topic: string, p: number): void {
    const part = this.topic(topic)[p]!;
    let min = Infinity;
    for (const byTopic of this.committed.values()) {
      const offsets = byTopic.get(topic);
      if (offsets) min = Math.min(min, offsets[p]!);
    }
    const drop = Math.min(min, part.base + part.messages.length) - part.base;
    if (Number.isFinite(drop) && drop > 1000) {
      part.messages.splice(0, drop);
      part.base += drop;
    }
  }
}
