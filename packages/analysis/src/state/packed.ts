// The snapshot form of an instance's window aggregate: its numbers as an array in a fixed field
// order, trailing zeros dropped. Most fields of most windows are 0 (an instance that only reports
// metrics logs nothing and never restarts), so a window costs a few dozen bytes instead of the
// object form's few hundred. Snapshot version 1 (the object form) is still read.
import { emptyInstanceWindow, type InstanceWindow } from './types.js';

/** Field order of a packed aggregate. Part of the snapshot format: append new fields, never reorder. */
export const PACKED_FIELDS = Object.freeze([
  'events',
  'restarts',
  'ooms',
  'nonZeroExits',
  'healthFailures',
  'healthPasses',
  'logs',
  'errorLogs',
  'fatalLogs',
  'requests',
  'httpErrors',
  'latencySumMs',
  'latencyCount',
  'cpuSum',
  'cpuCount',
] as const satisfies readonly (keyof InstanceWindow)[]);

export function packWindow(w: InstanceWindow): number[] {
  const out = PACKED_FIELDS.map((f) => w[f]);
  while (out.length > 0 && out[out.length - 1] === 0) out.pop();
  return out;
}

/** A packed aggregate (version 2) or the object form (version 1), as a fresh InstanceWindow. */
export function unpackWindow(packed: readonly number[] | InstanceWindow): InstanceWindow {
  const w = emptyInstanceWindow();
  if (!Array.isArray(packed)) return Object.assign(w, packed);
  for (let i = 0; i < PACKED_FIELDS.length && i < packed.length; i++) w[PACKED_FIELDS[i]!] = (packed as readonly number[])[i]!;
  return w;
}
