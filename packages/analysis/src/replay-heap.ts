// A binary min-heap of events ordered by (event time, id): the replay's per-rollout reorder buffer.
import type { RollwatchEvent } from '@rollwatch/core';

export class EventHeap {
  private readonly times: number[] = [];
  private readonly events: RollwatchEvent[] = [];

  get size(): number {
    return this.events.length;
  }

  /** Time of the earliest event; only valid when size > 0. */
  peekTime(): number {
    return this.times[0]!;
  }

  push(event: RollwatchEvent, t: number): void {
    const times = this.times;
    const events = this.events;
    let i = events.length;
    times.push(t);
    events.push(event);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(t, event, times[parent]!, events[parent]!)) break;
      times[i] = times[parent]!;
      events[i] = events[parent]!;
      i = parent;
    }
    times[i] = t;
    events[i] = event;
  }

  pop(): RollwatchEvent {
    const times = this.times;
    const events = this.events;
    const top = events[0]!;
    const lastT = times.pop()!;
    const last = events.pop()!;
    const n = events.length;
    if (n === 0) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && before(times[r]!, events[r]!, times[l]!, events[l]!) ? r : l;
      if (!before(times[c]!, events[c]!, lastT, last)) break;
      times[i] = times[c]!;
      events[i] = events[c]!;
      i = c;
    }
    times[i] = lastT;
    events[i] = last;
    return top;
  }
}

// Takes the events, not their ids: an id is read only on a tie of times, so a sift does not touch
// every event object it passes (each read was a likely cache miss).
function before(t1: number, e1: RollwatchEvent, t2: number, e2: RollwatchEvent): boolean {
  return t1 < t2 || (t1 === t2 && e1.id < e2.id);
}
