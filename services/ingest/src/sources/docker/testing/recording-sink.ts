import { setTimeout as sleep } from 'node:timers/promises';
import type { EventSink, SourceEvent } from '../../interface.js';

/** An EventSink that keeps everything it is given, for assertions. */
export class RecordingSink implements EventSink {
  readonly events: SourceEvent[] = [];

  async emit(events: SourceEvent[]): Promise<void> {
    this.events.push(...events);
  }

  of(instance: string): SourceEvent[] {
    return this.events.filter((e) => e.instance === instance);
  }

  /** Waits until `predicate` holds for the events of `instance`; fails with what was seen. */
  async waitFor(instance: string, what: string, predicate: (events: SourceEvent[]) => boolean, timeoutMs = 30_000): Promise<SourceEvent[]> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const got = this.of(instance);
      if (predicate(got)) return got;
      await sleep(50);
    }
    const seen = this.of(instance).map((e) => `${e.type}${e.exitCode !== undefined ? `:${e.exitCode}` : ''}${e.message ? ` "${e.message}"` : ''}`);
    throw new Error(`timed out waiting for ${what} of ${instance}; saw: ${JSON.stringify(seen)}`);
  }
}

export const count = (events: SourceEvent[], type: SourceEvent['type']): number => events.filter((e) => e.type === type).length;
