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

/** One frame of Docker's multiplexed log stream: 8-byte header (stream type, big-endian length), then the payload. */
export function frame(type: number, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = type;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}
