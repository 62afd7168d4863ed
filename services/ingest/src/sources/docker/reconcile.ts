import type { SourceEvent } from '../interface.js';
import type { ContainerSnapshot } from './engine-types.js';
import { baseEvent, dockerEventId, isOomKill, trackFromSnapshot, type TrackedContainer } from './event-mapping.js';
import { nanosToMs } from './engine-types.js';
import type { EngineFacts } from './host-attributes.js';

/**
 * Reconciliation after (re)connecting. The engine keeps a short ring of events (Docker: 256) and
 * drops slow subscribers, so the replay with `since` can miss facts. After the replay up to
 * `boundaryNs` has been applied, each container's inspect snapshot is compared with what the events
 * told us; what the events missed is synthesised:
 *   - restarts: RestartCount grew more than the restarts seen (policy restarts), or StartedAt moved
 *     without any start seen (manual restarts, which Docker does not count in RestartCount);
 *   - the final exit of a container that is stopped now and whose die was not seen.
 * Anything that happened after the boundary is left to the live stream (it starts before the
 * boundary and overlaps; ids make the overlap harmless).
 */
export interface ReconcileResult {
  events: SourceEvent[];
  next: TrackedContainer;
}

/** Facts within this margin before the boundary may still arrive on the stream (event time ≥ state time). */
export const BOUNDARY_MARGIN_NS = 1_000_000_000n;

function synthesized(c: TrackedContainer, facts: EngineFacts, type: SourceEvent['type'], timeNs: bigint, discriminator: string, extra: Partial<SourceEvent>): SourceEvent {
  return { ...baseEvent(c, facts), ...extra, type, time: nanosToMs(timeNs), id: dockerEventId(c.id, type, discriminator) };
}

/**
 * @param tracked what we knew before (undefined: never seen)
 * @param initial first connection since the source started: learn the state, emit no history
 */
export function reconcileContainer(
  tracked: TrackedContainer | undefined,
  snap: ContainerSnapshot,
  boundaryNs: bigint,
  facts: EngineFacts,
  initial: boolean,
): ReconcileResult {
  const fresh = trackFromSnapshot(snap);
  const pendingCutoff = boundaryNs - BOUNDARY_MARGIN_NS;
  const base: TrackedContainer = tracked
    ? { ...tracked, name: fresh.name, image: fresh.image, labels: fresh.labels, tty: fresh.tty, memoryLimit: fresh.memoryLimit }
    : { ...fresh, restartCount: 0, lastStartNs: 0n, lastDieNs: 0n, hasDied: false, oomReported: false };
  const started = snap.startedAtNs;
  // The snapshot's latest start is newer than anything seen and recent: the stream will deliver it.
  const startPending = started !== undefined && started > base.lastStartNs && started > pendingCutoff;
  const finished = snap.finishedAtNs;
  const exitPending = !snap.running && finished !== undefined && finished > base.lastDieNs && finished > pendingCutoff;

  if (initial || (!tracked && startPending)) {
    // Learn the present. If the latest start is still to come on the stream, leave room for it.
    const next = { ...fresh };
    if (startPending) {
      next.restartCount = Math.max(0, snap.restartCount - 1);
      next.lastStartNs = pendingCutoff;
      next.hasDied = snap.restartCount > 0 || (finished !== undefined && finished < started!);
    }
    if (exitPending) next.lastDieNs = pendingCutoff;
    return { events: [], next };
  }

  const events: SourceEvent[] = [];
  const next: TrackedContainer = { ...base };
  const missedStart = started !== undefined && started > base.lastStartNs && !startPending;
  let missedRestarts = Math.max(0, snap.restartCount - base.restartCount - (startPending ? 1 : 0));
  if (missedStart && base.lastStartNs === 0n) {
    // Created and started during the outage; its first start was missed too.
    events.push(synthesized(next, facts, 'container_start', started, `started:${started}`, { message: 'missed while disconnected; recovered by reconciliation' }));
  } else if (missedStart && missedRestarts === 0) {
    // StartedAt moved but RestartCount did not: a manual start/restart (Docker resets the count).
    missedRestarts = 1;
  }
  for (let n = 1; n <= missedRestarts; n++) {
    const ordinal = base.restartCount + n;
    const at = started ?? boundaryNs;
    const discriminator = missedStart && snap.restartCount === base.restartCount ? `started:${started}` : `restartCount:${ordinal}`;
    events.push(synthesized(next, facts, 'container_restart', at, discriminator, {
      message: `missed while disconnected; recovered by reconciliation (RestartCount ${snap.restartCount})`,
    }));
  }
  next.restartCount = Math.max(base.restartCount + missedRestarts, snap.restartCount - (startPending ? 1 : 0));
  if (missedStart) next.lastStartNs = started;
  if (missedStart || missedRestarts > 0 || snap.restartCount > 0) next.hasDied = next.hasDied || missedRestarts > 0 || base.lastStartNs > 0n;

  const missedExit = !snap.running && finished !== undefined && finished > base.lastDieNs && !exitPending;
  if (missedExit) {
    const extra: Partial<SourceEvent> = { exitCode: snap.exitCode, message: 'missed while disconnected; recovered by reconciliation' };
    events.push(synthesized(next, facts, 'container_exit', finished, `finished:${finished}`, extra));
    if (isOomKill(snap.exitCode, snap, next.memoryLimit)) {
      events.push(synthesized(next, facts, 'oom_killed', finished, `finished:${finished}`, extra));
    }
    next.lastDieNs = finished;
    next.hasDied = true;
  }
  if (startPending) next.hasDied = next.hasDied || snap.restartCount > 0 || (finished !== undefined && finished < started!);
  return { events, next };
}
