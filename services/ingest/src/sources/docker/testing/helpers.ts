import { parseEvent } from '@rollwatch/core';
import type { SourceEvent } from '../../interface.js';

/** Validates source events against event schema v1 (rollout/group filled in as the pipeline would). */
export function parseEventsIds(events: SourceEvent[]): string[] {
  return events.map((e) => {
    const parsed = parseEvent({ rollout: 'test', group: 'other', ...e });
    if (!parsed.ok) throw new Error(`invalid event ${JSON.stringify(e)}: ${JSON.stringify(parsed.errors)}`);
    return parsed.event.id;
  });
}
