import { createHash } from 'node:crypto';
import { EVENT_GROUPS, type EventGroup, type EventType } from '@rollwatch/core';
import type { SourceEvent } from '../interface.js';
import { nanosToMs, type ContainerSnapshot, type EngineEvent } from './engine-types.js';
import type { EngineFacts } from './host-attributes.js';

/** What the source remembers per container between events (and across reconnects). */
export interface TrackedContainer extends Pick<ContainerSnapshot, 'id' | 'name' | 'image' | 'labels' | 'tty' | 'memoryLimit'> {
  /** RestartCount as last reconciled, plus the restarts seen on the stream since. */
  restartCount: number;
  /** Time of the latest start accounted for (event time or StartedAt), 0 if never started. */
  lastStartNs: bigint;
  /** Time of the latest exit accounted for, 0 if none. */
  lastDieNs: bigint;
  /** A die has been seen since creation, so the next start is a restart. */
  hasDied: boolean;
  /** An `oom` event arrived for the current run: the die that follows must not report it again. */
  oomReported: boolean;
  /** Last health status reported (events are sent on transitions only, like Docker does). */
  health?: string;
  /** End of the latest health check already accounted for (Podman's events lag their checks). */
  lastHealthCheckEndNs?: bigint;
}

export const WORKLOAD_LABEL = 'rollwatch.io/workload';
const ROLLOUT_LABEL = 'rollwatch.io/rollout';
const GROUP_LABEL = 'rollwatch.io/group';
const VERSION_LABEL = 'rollwatch.io/version';
const COMPOSE_SERVICE_LABEL = 'com.docker.compose.service';
/** A process killed by SIGKILL exits 128 + 9; with a memory limit that is the OOM killer's mark. */
export const SIGKILL_EXIT_CODE = 137;

/** Deterministic id: the same engine fact seen twice (replay after reconnect) gets the same id. */
export function dockerEventId(containerId: string, type: EventType, discriminator: string): string {
  return createHash('sha256').update(`docker\0${containerId}\0${type}\0${discriminator}`).digest('hex').slice(0, 32);
}

export function trackFromSnapshot(s: ContainerSnapshot): TrackedContainer {
  return {
    id: s.id, name: s.name, image: s.image, labels: s.labels, tty: s.tty, memoryLimit: s.memoryLimit,
    restartCount: s.restartCount,
    lastStartNs: s.startedAtNs ?? 0n,
    lastDieNs: s.finishedAtNs ?? 0n,
    // A container that has finished once (or been restarted) restarts on its next start.
    hasDied: s.finishedAtNs !== undefined || s.restartCount > 0,
    oomReported: false,
    ...(s.health ? { health: s.health.status } : {}),
    ...(s.health?.lastCheckEndNs !== undefined ? { lastHealthCheckEndNs: s.health.lastCheckEndNs } : {}),
  };
}

/** Fallback when the container is gone before it could be inspected (`--rm`): labels from the event. */
export function trackFromEvent(ev: EngineEvent): TrackedContainer {
  const { name = ev.containerId.slice(0, 12), image = '', ...rest } = ev.attributes;
  const labels: Record<string, string> = {};
  // Engines mix labels with their own attributes in Actor.Attributes; drop the known non-labels.
  const engineKeys = new Set(['exitCode', 'containerExitCode', 'podId', 'signal', 'execID', 'health_status']);
  for (const [k, v] of Object.entries(rest)) if (!engineKeys.has(k)) labels[k] = v;
  return {
    id: ev.containerId, name, image, labels, tty: false, memoryLimit: 0, restartCount: 0,
    lastStartNs: 0n, lastDieNs: 0n, hasDied: false, oomReported: false,
  };
}

/** Image tag as a version guess ("registry:5000/app:1.4.2" → "1.4.2"), unless labelled. */
export function versionOf(c: Pick<TrackedContainer, 'labels' | 'image'>): string | undefined {
  const labelled = c.labels[VERSION_LABEL] ?? c.labels['org.opencontainers.image.version'];
  if (labelled) return labelled;
  const withoutDigest = c.image.split('@')[0]!;
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  return colon > lastSlash ? withoutDigest.slice(colon + 1) : undefined;
}

function clip(value: string, max: number): string {
  return value.length > max ? value.slice(0, max) : value;
}

/** The fields every event of a container carries: identity, labels, host. */
export function baseEvent(c: TrackedContainer, facts: EngineFacts): Omit<SourceEvent, 'type' | 'time' | 'id'> {
  const workload = c.labels[WORKLOAD_LABEL] ?? c.labels[COMPOSE_SERVICE_LABEL] ?? c.name;
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(c.labels)) if (k && k.length <= 256) labels[k] = clip(v, 4096);
  labels[WORKLOAD_LABEL] = clip(workload, 4096);
  const base: Omit<SourceEvent, 'type' | 'time' | 'id'> = {
    instance: clip(c.name || c.id.slice(0, 12), 256),
    service: clip(workload, 256),
    host: facts.host,
    source: 'docker',
    hostAttributes: facts.hostAttributes,
    labels,
  };
  const version = versionOf(c);
  if (version) base.version = clip(version, 256);
  const rollout = c.labels[ROLLOUT_LABEL];
  if (rollout) base.rollout = clip(rollout, 256);
  const group = c.labels[GROUP_LABEL];
  if (group && (EVENT_GROUPS as readonly string[]).includes(group)) base.group = group as EventGroup;
  return base;
}

function make(c: TrackedContainer, facts: EngineFacts, type: EventType, timeNs: bigint, discriminator: string, extra: Partial<SourceEvent> = {}): SourceEvent {
  return { ...baseEvent(c, facts), ...extra, type, time: nanosToMs(timeNs), id: dockerEventId(c.id, type, discriminator) };
}

/** `start`: a start after a die of the same container is a restart. */
export function onStart(c: TrackedContainer, ev: EngineEvent, facts: EngineFacts): SourceEvent[] {
  const restart = c.hasDied;
  c.oomReported = false;
  // A start already counted by a reconcile snapshot (StartedAt ≤ event time) must not count twice.
  if (ev.timeNano > c.lastStartNs) {
    if (restart) c.restartCount += 1;
    c.lastStartNs = ev.timeNano;
  }
  return [make(c, facts, restart ? 'container_restart' : 'container_start', ev.timeNano, ev.timeNano.toString())];
}

/** Inputs to OOM inference, from the die event and an inspect right after it (if still there). */
export function isOomKill(exitCode: number | undefined, after: Pick<ContainerSnapshot, 'oomKilled'> | undefined, memoryLimit: number): boolean {
  if (after?.oomKilled) return true;
  // Podman (and Docker on cgroup v2 when the kill hit a child) report no OOM flag nor `oom` event:
  // a SIGKILL exit under a memory limit is the OOM killer in practice.
  return exitCode === SIGKILL_EXIT_CODE && memoryLimit > 0;
}

/** `die`: container_exit with the exit code, plus oom_killed once per die when inferred. */
export function onDie(c: TrackedContainer, ev: EngineEvent, facts: EngineFacts, after?: ContainerSnapshot): SourceEvent[] {
  const parsed = Number.parseInt(ev.attributes.exitCode ?? '', 10);
  const exitCode = Number.isFinite(parsed) ? parsed : undefined;
  if (after && after.memoryLimit > 0) c.memoryLimit = after.memoryLimit;
  c.hasDied = true;
  if (ev.timeNano > c.lastDieNs) c.lastDieNs = ev.timeNano;
  const discriminator = ev.timeNano.toString();
  const events = [make(c, facts, 'container_exit', ev.timeNano, discriminator, exitCode !== undefined ? { exitCode } : {})];
  if (!c.oomReported && isOomKill(exitCode, after, c.memoryLimit)) {
    events.push(make(c, facts, 'oom_killed', ev.timeNano, `die:${discriminator}`, { ...(exitCode !== undefined ? { exitCode } : {}), message: oomMessage(after, c.memoryLimit) }));
  }
  c.oomReported = false;
  return events;
}

function oomMessage(after: Pick<ContainerSnapshot, 'oomKilled'> | undefined, memoryLimit: number): string {
  return after?.oomKilled
    ? 'engine reports State.OOMKilled'
    : `inferred: exit code 137 (SIGKILL) with a memory limit of ${memoryLimit} bytes`;
}

/** `oom` (Docker sends it before the die): report now, and not again for the die that follows. */
export function onOom(c: TrackedContainer, ev: EngineEvent, facts: EngineFacts): SourceEvent[] {
  c.oomReported = true;
  return [make(c, facts, 'oom_killed', ev.timeNano, `oom:${ev.timeNano}`, { message: 'engine sent an oom event' })];
}

/**
 * The health status an event stands for. Docker's "health_status: X" is exact. Podman 4 writes
 * its event before it stores the check's result (the event says "starting" for a failed check),
 * so for Podman the status comes from an inspect that shows a check newer than the last one seen.
 */
export function resolvedHealthStatus(c: TrackedContainer, ev: EngineEvent, after?: ContainerSnapshot): string | undefined {
  if (ev.healthStatusFrom === 'action') return ev.healthStatus;
  if (after?.health) {
    const end = after.health.lastCheckEndNs;
    if (end === undefined || c.lastHealthCheckEndNs === undefined || end > c.lastHealthCheckEndNs) return after.health.status;
    return undefined;
  }
  return ev.healthStatus;
}

/**
 * Whether `snap` holds a health check newer than the last one `c` accounted for: Podman's event can
 * arrive before its check is stored. A container with no check accounted for yet needs one stored
 * (its first check's event otherwise reads the "starting" that precedes any result).
 */
export function holdsNewerHealthCheck(c: TrackedContainer, snap: ContainerSnapshot | undefined): boolean {
  if (!snap?.health) return true; // no health config (or gone): nothing to wait for
  const end = snap.health.lastCheckEndNs;
  if (end === undefined) return false;
  return c.lastHealthCheckEndNs === undefined || end > c.lastHealthCheckEndNs;
}

/** `health_status`: transitions to unhealthy/healthy become health_check_failed/passed. */
export function onHealth(c: TrackedContainer, ev: EngineEvent, facts: EngineFacts, after?: ContainerSnapshot): SourceEvent[] {
  const status = resolvedHealthStatus(c, ev, after);
  if (after?.health?.lastCheckEndNs !== undefined) c.lastHealthCheckEndNs = after.health.lastCheckEndNs;
  if (status !== 'healthy' && status !== 'unhealthy') return [];
  if (c.health === status) return [];
  c.health = status;
  const extra: Partial<SourceEvent> = {};
  const output = after?.health?.lastOutput;
  if (output) extra.message = clip(output, 4096);
  if (after?.health?.lastExitCode !== undefined) extra.exitCode = after.health.lastExitCode;
  return [make(c, facts, status === 'unhealthy' ? 'health_check_failed' : 'health_check_passed', ev.timeNano, ev.timeNano.toString(), extra)];
}
