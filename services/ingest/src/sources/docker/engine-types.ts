import { rfc3339ToNanos } from './demux.js';

/**
 * Engine API payloads, normalised. Raw JSON is parsed here only, so the mapping logic works on
 * plain typed values and can be tested with recorded Docker and Podman payloads.
 */
export interface EngineEvent {
  type: string;
  /** `die`, `start`, `oom`, `health_status`, … (Docker's "health_status: unhealthy" is split). */
  action: string;
  containerId: string;
  attributes: Record<string, string>;
  /** Exact event time; JSON numbers cannot hold nanosecond epochs, so it is read from the raw text. */
  timeNano: bigint;
  /** Health status carried by the event: Docker in the action suffix, Podman in `HealthStatus`. */
  healthStatus?: string;
  /** Which convention the health status came in (Podman's is stale, see the mapper). */
  healthStatusFrom?: 'action' | 'field';
}

/** Parses one line of `GET /events`; undefined for anything that is not a container event. */
export function parseEngineEventLine(line: string): EngineEvent | undefined {
  const trimmed = line.trim();
  if (!trimmed) return undefined;
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(trimmed) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const type = typeof raw.Type === 'string' ? raw.Type : 'container';
  if (type !== 'container') return undefined;
  const actor = (raw.Actor ?? {}) as { ID?: unknown; Attributes?: unknown };
  const containerId = typeof actor.ID === 'string' ? actor.ID : typeof raw.id === 'string' ? raw.id : '';
  if (!containerId) return undefined;
  const attributes: Record<string, string> = {};
  if (actor.Attributes && typeof actor.Attributes === 'object') {
    for (const [k, v] of Object.entries(actor.Attributes as Record<string, unknown>)) if (typeof v === 'string') attributes[k] = v;
  }
  const nanoMatch = /"timeNano"\s*:\s*(\d+)/.exec(trimmed);
  const timeNano = nanoMatch ? BigInt(nanoMatch[1]!) : BigInt(Math.trunc(Number(raw.time ?? 0))) * 1_000_000_000n;
  let action = typeof raw.Action === 'string' ? raw.Action : typeof raw.status === 'string' ? raw.status : '';
  const event: EngineEvent = { type, action, containerId, attributes, timeNano };
  const colon = action.indexOf(':');
  if (colon > 0) {
    // Docker: "health_status: unhealthy", "exec_start: sh -c …".
    event.healthStatus = action.startsWith('health_status') ? action.slice(colon + 1).trim() : undefined;
    if (event.healthStatus !== undefined) event.healthStatusFrom = 'action';
    action = action.slice(0, colon);
    event.action = action;
  }
  if (action === 'health_status' && event.healthStatus === undefined && typeof raw.HealthStatus === 'string') {
    event.healthStatus = raw.HealthStatus;
    event.healthStatusFrom = 'field';
  }
  if (event.healthStatus === undefined) delete event.healthStatus;
  return event;
}

export interface HealthSnapshot {
  status: string;
  failingStreak: number;
  /** End time of the latest check (ns), to tell whether a newer check has been recorded. */
  lastCheckEndNs?: bigint;
  lastOutput?: string;
  lastExitCode?: number;
}

/** What the mapper needs from `GET /containers/{id}/json`. */
export interface ContainerSnapshot {
  id: string;
  name: string;
  image: string;
  labels: Record<string, string>;
  tty: boolean;
  /** HostConfig.Memory in bytes; 0 = no limit. */
  memoryLimit: number;
  restartCount: number;
  status: string;
  running: boolean;
  exitCode: number;
  oomKilled: boolean;
  /** Undefined when the container never ran (the engine reports 0001-01-01). */
  startedAtNs?: bigint;
  finishedAtNs?: bigint;
  health?: HealthSnapshot;
}

function engineTime(value: unknown): bigint | undefined {
  if (typeof value !== 'string' || value.startsWith('0001-01-01')) return undefined;
  const ns = rfc3339ToNanos(value);
  return ns !== undefined && ns > 0n ? ns : undefined;
}

/** Normalises an inspect payload (Docker and Podman agree on these fields). */
export function toContainerSnapshot(inspect: unknown): ContainerSnapshot {
  const raw = (inspect ?? {}) as {
    Id?: string; Name?: string; RestartCount?: number;
    Config?: { Labels?: Record<string, string> | null; Image?: string; Tty?: boolean };
    HostConfig?: { Memory?: number };
    State?: {
      Status?: string; Running?: boolean; ExitCode?: number; OOMKilled?: boolean; StartedAt?: string; FinishedAt?: string;
      Health?: { Status?: string; FailingStreak?: number; Log?: { End?: string; ExitCode?: number; Output?: string }[] | null };
    };
  };
  const state = raw.State ?? {};
  const snapshot: ContainerSnapshot = {
    id: raw.Id ?? '',
    name: (raw.Name ?? '').replace(/^\//, ''),
    image: raw.Config?.Image ?? '',
    labels: { ...(raw.Config?.Labels ?? {}) },
    tty: raw.Config?.Tty === true,
    memoryLimit: raw.HostConfig?.Memory ?? 0,
    restartCount: raw.RestartCount ?? 0,
    status: state.Status ?? 'unknown',
    running: state.Running === true,
    exitCode: state.ExitCode ?? 0,
    oomKilled: state.OOMKilled === true,
  };
  const started = engineTime(state.StartedAt);
  if (started !== undefined) snapshot.startedAtNs = started;
  const finished = engineTime(state.FinishedAt);
  if (finished !== undefined) snapshot.finishedAtNs = finished;
  const health = state.Health;
  if (health && health.Status) {
    const last = health.Log?.[health.Log.length - 1];
    const h: HealthSnapshot = { status: health.Status, failingStreak: health.FailingStreak ?? 0 };
    const end = last ? engineTime(last.End) : undefined;
    if (end !== undefined) h.lastCheckEndNs = end;
    if (last?.Output) h.lastOutput = last.Output.trim();
    if (last?.ExitCode !== undefined) h.lastExitCode = last.ExitCode;
    snapshot.health = h;
  }
  return snapshot;
}

export function nanosToMs(ns: bigint): number {
  return Number(ns / 1_000_000n);
}

/** The `since` parameter of `/events` and `/logs`: "<seconds>.<nanoseconds>". */
export function nanosToSinceParam(ns: bigint): string {
  const clamped = ns < 0n ? 0n : ns;
  return `${clamped / 1_000_000_000n}.${(clamped % 1_000_000_000n).toString().padStart(9, '0')}`;
}
