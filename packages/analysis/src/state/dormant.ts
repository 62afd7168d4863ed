// Finished rollouts in a snapshot, kept as JSON text until something reads them.
//
// A detector's checkpoint holds every rollout of its partition that finished within the retention
// (24 h by default) beside the live ones. Parsing those into objects made a restore grow with them
// even when they stayed dormant. A snapshot therefore writes a finished rollout as a *packed entry*:
// its state as one JSON string, plus the few fields read without it (the head). Parsing the
// checkpoint document turns that string into a string (no objects), so a restore costs what the
// live rollouts cost. The state is parsed on first use, and written back unchanged by the next
// snapshot while it stays dormant.
import type { RolloutSpec, RolloutSummary } from '../engine-api.js';
import { comparedGroup, hasBaselineGroup, type RolloutState } from './types.js';

/** What is read of a dormant rollout without its windows: listing, policy, horizon, eviction. */
export interface DormantHead {
  id: string;
  service?: string;
  policyLabel?: string;
  registered: boolean;
  firstEventMs: number | null;
  maxEventMs: number | null;
  events: number;
  /** Instances per compared group, as `rollouts()` lists them. */
  instances: RolloutSummary['instances'];
}

/** A snapshot entry of a finished rollout: `json` is the JSON of its serialised state. */
export interface PackedEntry {
  head: DormantHead;
  json: string;
  spec?: RolloutSpec;
}

/** True for a packed entry (the other form carries `state`). */
export function isPackedEntry(entry: unknown): entry is PackedEntry {
  const e = entry as Partial<PackedEntry> | null;
  return typeof e === 'object' && e !== null && typeof e.json === 'string' && typeof e.head === 'object' && e.head !== null && typeof e.head.id === 'string';
}

/** The rollout id of a snapshot entry in either form (state or packed). */
export function snapshotEntryId(entry: unknown): string | undefined {
  if (isPackedEntry(entry)) return entry.head.id;
  const id = (entry as { state?: { id?: unknown } } | null)?.state?.id;
  return typeof id === 'string' ? id : undefined;
}

/** The head of a (live or serialised) state: the fields `rollouts()`, `policyFor` and `evict` read. */
export function headOf(state: Omit<RolloutState, 'windows'>): DormantHead {
  const hasBaseline = hasBaselineGroup(state as RolloutState);
  const instances = { canary: 0, baseline: 0, other: 0 };
  for (const id in state.instances) {
    const g = comparedGroup(state.instances[id]!.group, hasBaseline);
    instances[g ?? 'other']++;
  }
  const head: DormantHead = { id: state.id, registered: state.registered, firstEventMs: state.firstEventMs, maxEventMs: state.maxEventMs, events: state.events, instances };
  if (state.service !== undefined) head.service = state.service;
  if (state.policyLabel !== undefined) head.policyLabel = state.policyLabel;
  return head;
}

/** The rollout list's row of a head (the same fields a live rollout's row has). */
export function summaryOf(head: DormantHead, iso: (ms: number) => string): RolloutSummary {
  const summary: RolloutSummary = {
    rollout: head.id,
    firstEventAt: head.firstEventMs === null ? null : iso(head.firstEventMs),
    lastEventAt: head.maxEventMs === null ? null : iso(head.maxEventMs),
    instances: { ...head.instances },
    events: head.events,
    registered: head.registered,
  };
  if (head.service !== undefined) summary.service = head.service;
  return summary;
}
