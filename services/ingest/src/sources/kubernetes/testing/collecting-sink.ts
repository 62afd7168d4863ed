import { parseEvent } from '@rollwatch/core';
import type { EventSink, SourceEvent } from '../../interface.js';

/** An EventSink that keeps what it gets and checks each event against the event schema v1. */
export class CollectingSink implements EventSink {
  readonly events: SourceEvent[] = [];
  readonly invalid: { event: SourceEvent; errors: unknown }[] = [];
  private waiters: { predicate: (events: SourceEvent[]) => boolean; resolve: () => void }[] = [];

  async emit(events: SourceEvent[]): Promise<void> {
    for (const event of events) {
      // The pipeline fills rollout/group from labels; any values will do to check the rest.
      const parsed = parseEvent({ rollout: 'r', group: 'other', ...event });
      if (!parsed.ok) this.invalid.push({ event, errors: parsed.errors });
      this.events.push(event);
    }
    this.waiters = this.waiters.filter((w) => {
      if (!w.predicate(this.events)) return true;
      w.resolve();
      return false;
    });
  }

  ofType(type: SourceEvent['type']): SourceEvent[] {
    return this.events.filter((e) => e.type === type);
  }

  /** Resolves when `predicate` holds over everything received; rejects after `timeoutMs`. */
  waitFor(predicate: (events: SourceEvent[]) => boolean, timeoutMs = 5000, what = 'events'): Promise<void> {
    if (predicate(this.events)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.events.map((e) => [e.type, e.id]))}`)), timeoutMs);
      this.waiters.push({ predicate, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }
}
