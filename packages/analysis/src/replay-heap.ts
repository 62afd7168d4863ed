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
      if (!before(t, event.id, times[parent]!, events[parent]!.id)) break;
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
      const c = r < n && before(times[r]!, events[r]!.id, times[l]!, events[l]!.id) ? r : l;
      if (!before(times[c]!, events[c]!.id, lastT, last.id)) break;
      times[i] = times[c]!;
      events[i] = events[c]!;
      i = c;
    }
    times[i] = lastT;
    events[i] = last;
    return top;
  }
}

function before(t1: number, id1: string, t2: number, id2: string): boolean {
  return t1 < t2 || (t1 === t2 && id1 < id2);
}
