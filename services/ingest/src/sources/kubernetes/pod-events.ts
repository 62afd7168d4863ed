import type { LogLevel } from '@rollwatch/core';
import type { SourceEvent } from '../interface.js';
import type { ContainerStateTerminated, ContainerStatus, Pod, PodCondition } from './types.js';
import { K8S_LABELS } from './workload.js';

export const SOURCE_NAME = 'kubernetes';

/** Container `waiting` reasons that mean the container cannot run; each becomes a `log` event at level error. */
export const ERROR_WAITING_REASONS: ReadonlySet<string> = new Set([
  'CrashLoopBackOff',
  'ImagePullBackOff',
  'ErrImagePull',
  'ErrImageNeverPull',
  'InvalidImageName',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
  'PreStartHookError',
  'PostStartHookError',
]);

/**
 * When several restarts (or Event occurrences) happened between two observations, each gets its own
 * event so restart rates stay right; past this many the older ones are summarised away, so a source
 * that was down for a day does not flood the pipeline.
 */
export const MAX_BACKFILL = 10;

export interface PodEventContext {
  /** Observation time (ms since epoch). */
  now: number;
  /** On a first sighting (`prev` undefined), facts older than `now - lookbackMs` are not emitted. */
  lookbackMs: number;
  /** Labels every event carries (`podEventLabels`). */
  labels: Record<string, string>;
  host?: string;
  hostAttributes?: Record<string, string>;
  service?: string;
  version?: string;
}

interface Termination {
  /** Which instance of the container ended: its restartCount while it ran. */
  instance: number;
  terminated: ContainerStateTerminated;
  /** `state` (container is down now) or `lastState` (it has been restarted since). */
  from: 'state' | 'lastState';
}

function terminations(status: ContainerStatus | undefined): Termination[] {
  if (!status) return [];
  const n = status.restartCount ?? 0;
  const out: Termination[] = [];
  if (status.lastState?.terminated && n > 0) out.push({ instance: n - 1, terminated: status.lastState.terminated, from: 'lastState' });
  if (status.state?.terminated) out.push({ instance: n, terminated: status.state.terminated, from: 'state' });
  return out;
}

function readyCondition(pod: Pod | undefined): PodCondition | undefined {
  return pod?.status?.conditions?.find((c) => c.type === 'Ready');
}

/** A valid RFC 3339 time for the event: the Kubernetes timestamp when present, else the observation time. */
function eventTime(k8sTime: string | undefined | null, now: number): string {
  const ms = k8sTime ? Date.parse(k8sTime) : NaN;
  return new Date(Number.isFinite(ms) ? ms : now).toISOString();
}

/** Events about one pod that its transition from `prev` to `next` reveals. Pure; ids are deterministic. */
export function podEvents(prev: Pod | undefined, next: Pod, ctx: PodEventContext): SourceEvent[] {
  const uid = next.metadata?.uid ?? `${next.metadata?.namespace}/${next.metadata?.name}`;
  const podName = next.metadata?.name ?? uid;
  const firstSighting = prev === undefined;
  const recent = (k8sTime: string | undefined | null): boolean => {
    if (!firstSighting) return true;
    const ms = k8sTime ? Date.parse(k8sTime) : NaN;
    return Number.isFinite(ms) && ms >= ctx.now - ctx.lookbackMs;
  };
  const make = (
    idParts: (string | number)[],
    fields: Omit<SourceEvent, 'id' | 'instance' | 'source' | 'time'> & { time?: string | null },
    extraLabels: Record<string, string> = {},
  ): SourceEvent => {
    const { time, ...rest } = fields;
    const event: SourceEvent = {
      ...rest,
      id: ['k8s', uid, ...idParts].join(':'),
      time: eventTime(time, ctx.now),
      instance: podName,
      source: SOURCE_NAME,
      labels: { ...ctx.labels, ...extraLabels },
    };
    if (ctx.host) event.host = ctx.host;
    if (ctx.hostAttributes && Object.keys(ctx.hostAttributes).length) event.hostAttributes = ctx.hostAttributes;
    if (ctx.service) event.service = ctx.service;
    if (ctx.version) event.version = ctx.version;
    return event;
  };

  const out: SourceEvent[] = [];
  const restartPolicy = next.spec?.restartPolicy ?? 'Always';
  const deleting = next.metadata?.deletionTimestamp !== undefined;
  const containerLists: [ContainerStatus[] | undefined, ContainerStatus[] | undefined, 'init' | 'app'][] = [
    [prev?.status?.initContainerStatuses, next.status?.initContainerStatuses, 'init'],
    [prev?.status?.containerStatuses, next.status?.containerStatuses, 'app'],
  ];

  for (const [prevList, nextList, kind] of containerLists) {
    for (const s of nextList ?? []) {
      const p = prevList?.find((c) => c.name === s.name);
      const container = s.name;
      const cLabels: Record<string, string> = { [K8S_LABELS.container]: container };
      if (kind === 'init') cLabels[K8S_LABELS.containerKind] = 'init';
      const n = s.restartCount ?? 0;
      const m = p?.restartCount ?? 0;

      // Restarts: one event per restartCount increment (the count is the only loss-free signal: the
      // kubelet may go running → waiting without us ever seeing `state.terminated`).
      const last = s.lastState?.terminated;
      let restartNumbers: number[] = [];
      if (firstSighting) {
        if (n > 0 && recent(last?.finishedAt)) restartNumbers = [n];
      } else if (n > m) {
        for (let k = Math.max(m + 1, n - MAX_BACKFILL + 1); k <= n; k++) restartNumbers.push(k);
      }
      for (const k of restartNumbers) {
        const latest = k === n;
        const reason = latest ? last?.reason : undefined;
        const exitCode = latest ? last?.exitCode : undefined;
        const skipped = k === restartNumbers[0] && !firstSighting && restartNumbers[0]! > m + 1 ? ` (${restartNumbers[0]! - m - 1} earlier restarts not reported individually)` : '';
        out.push(
          make(
            [container, k, 'restart'],
            {
              type: 'container_restart',
              time: latest ? last?.finishedAt : undefined,
              level: 'error',
              message: `container ${container} restarted (restart #${k})${reason ? `: ${reason}` : ''}${exitCode !== undefined ? `, exit code ${exitCode}` : ''}${skipped}`,
              ...(exitCode !== undefined ? { exitCode } : {}),
            },
            { ...cLabels, [K8S_LABELS.restartCount]: String(k), ...(reason ? { [K8S_LABELS.reason]: reason } : {}) },
          ),
        );
      }

      // Terminations we had not seen before: OOM kills always; exits only where the container will not
      // be restarted (restarts above already count those) and the pod is not being deleted on purpose.
      const seen = new Set(terminations(p).map((t) => t.instance));
      for (const t of terminations(s)) {
        if (seen.has(t.instance) || !recent(t.terminated.finishedAt)) continue;
        const code = t.terminated.exitCode;
        if (t.terminated.reason === 'OOMKilled') {
          out.push(
            make(
              [container, t.instance, 'oom'],
              {
                type: 'oom_killed',
                time: t.terminated.finishedAt,
                level: 'error',
                message: `container ${container} was OOM-killed${code !== undefined ? ` (exit code ${code})` : ''}`,
                ...(code !== undefined ? { exitCode: code } : {}),
              },
              { ...cLabels, [K8S_LABELS.reason]: 'OOMKilled' },
            ),
          );
        }
        if (t.from === 'state' && restartPolicy !== 'Always' && !deleting) {
          const level: LogLevel = code === 0 ? 'info' : 'error';
          out.push(
            make(
              [container, t.instance, 'exit'],
              {
                type: 'container_exit',
                time: t.terminated.finishedAt,
                level,
                message: `container ${container} exited${t.terminated.reason ? `: ${t.terminated.reason}` : ''}${code !== undefined ? `, exit code ${code}` : ''}`,
                ...(code !== undefined ? { exitCode: code } : {}),
              },
              { ...cLabels, ...(t.terminated.reason ? { [K8S_LABELS.reason]: t.terminated.reason } : {}) },
            ),
          );
        }
      }

      // Waiting for a reason that means it cannot run (crash loop, image pull, bad config).
      const waiting = s.state?.waiting;
      if (waiting?.reason && ERROR_WAITING_REASONS.has(waiting.reason)) {
        const changed = p?.state?.waiting?.reason !== waiting.reason || m !== n;
        const since = last?.finishedAt ?? next.status?.startTime ?? next.metadata?.creationTimestamp;
        if ((firstSighting && recent(since)) || (!firstSighting && changed)) {
          out.push(
            make(
              [container, n, 'waiting', waiting.reason],
              {
                type: 'log',
                level: 'error',
                message: `container ${container} ${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}`,
              },
              { ...cLabels, [K8S_LABELS.reason]: waiting.reason },
            ),
          );
        }
      }

      // Started (first start and every restart).
      const startedAt = s.state?.running?.startedAt;
      // restartCount too: timestamps have one-second resolution, a fast restart can keep startedAt.
      const newInstance = p?.state?.running?.startedAt !== startedAt || (p !== undefined && m !== n);
      if (startedAt && newInstance && recent(startedAt)) {
        out.push(
          make([container, n, 'start'], { type: 'container_start', time: startedAt, level: 'info', message: `container ${container} started` }, {
            ...cLabels,
            [K8S_LABELS.restartCount]: String(n),
          }),
        );
      }
    }
  }

  for (const event of readinessEvents(prev, next, firstSighting, recent, make)) out.push(event);
  return out;
}

type Make = (
  idParts: (string | number)[],
  fields: Omit<SourceEvent, 'id' | 'instance' | 'source' | 'time'> & { time?: string | null },
  extraLabels?: Record<string, string>,
) => SourceEvent;

/**
 * Ready-condition flips. A pod that is not ready yet because it is starting is normal, so `False`
 * only counts after the pod had been ready (True/absent → False); probe failures before the first
 * readiness are reported by the `Unhealthy` Events instead.
 */
function readinessEvents(prev: Pod | undefined, next: Pod, firstSighting: boolean, recent: (t: string | undefined | null) => boolean, make: Make): SourceEvent[] {
  const before = readyCondition(prev);
  const after = readyCondition(next);
  if (!after || next.metadata?.deletionTimestamp !== undefined) return [];
  const transitionKey = after.lastTransitionTime ?? next.metadata?.resourceVersion ?? 'unknown';
  const reasonLabels: Record<string, string> = after.reason ? { [K8S_LABELS.reason]: after.reason } : {};
  const detail = [after.reason, after.message].filter(Boolean).join(': ');
  if (after.status === 'True') {
    const flipped = firstSighting ? recent(after.lastTransitionTime) : before?.status !== 'True';
    if (!flipped) return [];
    return [make(['ready', 'True', transitionKey], { type: 'health_check_passed', time: after.lastTransitionTime, level: 'info', message: 'pod is ready' }, reasonLabels)];
  }
  if (!firstSighting && before?.status === 'True') {
    return [
      make(
        ['ready', after.status, transitionKey],
        { type: 'health_check_failed', time: after.lastTransitionTime, level: 'warn', message: `pod is not ready${detail ? `: ${detail}` : ''}` },
        reasonLabels,
      ),
    ];
  }
  return [];
}
