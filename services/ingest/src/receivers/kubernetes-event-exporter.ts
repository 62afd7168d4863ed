import type { EventType, LogLevel } from '@rollwatch/core';
import { z } from 'zod';
import type { SourceEvent } from '../sources/interface.js';
import { LABELS } from '../mapping/labels.js';
import type { Pod } from '../sources/kubernetes/types.js';
import { K8S_LABELS, podEventLabels, podRevision, type RevisionContext } from '../sources/kubernetes/workload.js';

const NO_CONTEXT: RevisionContext = { argoCurrentHash: () => undefined, hasWorkloadPods: () => false, newestWorkloadHash: () => undefined };
import type { ConversionResult } from './alertmanager.js';

/**
 * kubernetes-event-exporter (github.com/resmoio/kubernetes-event-exporter) webhook sink → rollwatch
 * events. Its default layout posts each core/v1 Event as JSON, with `involvedObject` enriched with
 * the object's `labels`, `annotations` and `ownerReferences`; that is enough to derive the workload
 * (Deployment / Argo Rollout) exactly like the Kubernetes source does, so the same mapping rules
 * apply. A JSON array of Events is accepted too. Pure.
 *
 * Reasons (others are skipped and counted as such in the response):
 *   BackOff → container_restart (the exporter gives no pod status; this is the restart signal)
 *   OOMKilling / OOMKilled → oom_killed
 *   Unhealthy → health_check_failed
 *   Killing → container_exit when the kill follows a failed probe, else log info (scale-down)
 *   Failed → log error (image pull, create container, ...)
 *   FailedScheduling → log warn
 */
const ownerSchema = z.looseObject({ kind: z.string(), name: z.string(), controller: z.boolean().optional() });

const kubeEventSchema = z.looseObject({
  metadata: z.looseObject({ name: z.string().optional(), namespace: z.string().optional(), uid: z.string().optional(), creationTimestamp: z.string().nullish() }).optional(),
  reason: z.string().optional(),
  message: z.string().optional(),
  type: z.string().optional(),
  count: z.number().int().nullish(),
  firstTimestamp: z.string().nullish(),
  lastTimestamp: z.string().nullish(),
  eventTime: z.string().nullish(),
  series: z.looseObject({ count: z.number().int().optional(), lastObservedTime: z.string().optional() }).nullish(),
  source: z.looseObject({ component: z.string().optional(), host: z.string().optional() }).nullish(),
  involvedObject: z.looseObject({
    kind: z.string().optional(),
    name: z.string().optional(),
    namespace: z.string().optional(),
    uid: z.string().optional(),
    fieldPath: z.string().optional(),
    labels: z.record(z.string(), z.string()).nullish(),
    annotations: z.record(z.string(), z.string()).nullish(),
    ownerReferences: z.array(ownerSchema).nullish(),
  }),
});

type KubeEvent = z.infer<typeof kubeEventSchema>;

interface ReasonMapping {
  type: EventType;
  level?: LogLevel;
}

export function mappingForReason(reason: string, message: string): ReasonMapping | undefined {
  switch (reason) {
    case 'BackOff':
      return { type: 'container_restart', level: 'warn' };
    case 'OOMKilling':
    case 'OOMKilled':
      return { type: 'oom_killed', level: 'error' };
    case 'Unhealthy':
      return { type: 'health_check_failed', level: 'warn' };
    case 'Killing':
      return /fail|unhealthy/i.test(message) ? { type: 'container_exit', level: 'warn' } : { type: 'log', level: 'info' };
    case 'Failed':
      return { type: 'log', level: 'error' };
    case 'FailedScheduling':
      return { type: 'log', level: 'warn' };
    default:
      return undefined;
  }
}

/** `spec.containers{app}` → `app`. */
function containerOf(fieldPath: string | undefined): string | undefined {
  return fieldPath ? /spec\.(?:initContainers|containers|ephemeralContainers)\{([^}]+)\}/.exec(fieldPath)?.[1] : undefined;
}

export function kubernetesEventExporterToEvents(body: unknown, now = Date.now()): ConversionResult {
  const list = Array.isArray(body) ? body : [body];
  const events: SourceEvent[] = [];
  let skipped = 0;
  for (let i = 0; i < list.length; i++) {
    const parsed = kubeEventSchema.safeParse(list[i]);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const path = issue.path.map(String).join('.') || '(event)';
      const field = Array.isArray(body) ? `[${i}].${path}` : path;
      return { ok: false, field, message: `${field}: ${issue.message} (expected a core/v1 Event as posted by kubernetes-event-exporter)` };
    }
    const event = toEvent(parsed.data, now);
    if (event) events.push(event);
    else skipped++;
  }
  return { ok: true, events, skipped };
}

function toEvent(kube: KubeEvent, now: number): SourceEvent | undefined {
  const reason = kube.reason;
  if (!reason) return undefined;
  const message = kube.message ?? reason;
  const mapping = mappingForReason(reason, message);
  if (!mapping) return undefined;
  const object = kube.involvedObject;
  const namespace = object.namespace ?? kube.metadata?.namespace;
  const isPod = (object.kind ?? 'Pod') === 'Pod';
  // The same labels (and so the same mapping) the Kubernetes source gives events about this pod.
  const pod: Pod = {
    metadata: {
      ...(object.name ? { name: object.name } : {}),
      ...(namespace ? { namespace } : {}),
      ...(object.uid ? { uid: object.uid } : {}),
      labels: object.labels ?? {},
      ownerReferences: (object.ownerReferences ?? []).map((o) => ({ ...o, apiVersion: String(o.apiVersion ?? ''), uid: String(o.uid ?? ''), controller: o.controller ?? false })),
    },
  };
  const labels: Record<string, string> = isPod ? podEventLabels(pod, () => undefined) : { ...(object.labels ?? {}), ...(namespace ? { [K8S_LABELS.namespace]: namespace } : {}) };
  // The exporter sees one pod at a time (no Rollout status, no Flagger pair): its own template hash is the revision.
  const revision = isPod ? (labels[LABELS.revision] ?? podRevision(pod, NO_CONTEXT)) : undefined;
  if (revision) labels[LABELS.revision] = revision;
  const count = kube.series?.count ?? kube.count ?? 1;
  const container = containerOf(object.fieldPath);
  labels[K8S_LABELS.reason] = reason;
  labels[K8S_LABELS.eventReason] = reason;
  labels[K8S_LABELS.eventCount] = String(count);
  if (container) labels[K8S_LABELS.container] = container;
  if (!isPod && object.kind) labels['k8s.kind'] = object.kind;
  const seen = kube.series?.lastObservedTime ?? kube.lastTimestamp ?? kube.eventTime ?? kube.firstTimestamp ?? kube.metadata?.creationTimestamp ?? undefined;
  const seenMs = seen ? Date.parse(seen) : NaN;
  const uid = kube.metadata?.uid ?? `${kube.metadata?.namespace ?? namespace}/${kube.metadata?.name ?? object.name}`;
  const host = kube.source?.host;
  const event: SourceEvent = {
    // Same id scheme as the Kubernetes source (Event uid + occurrence), so running both dedupes.
    id: ['k8s-event', uid, count].join(':'),
    time: new Date(Number.isFinite(seenMs) ? seenMs : now).toISOString(),
    type: mapping.type,
    instance: object.name ?? 'unknown',
    source: 'kubernetes-event-exporter',
    message: `${reason}: ${message}`.slice(0, 65536),
    labels,
    ...(mapping.level ? { level: mapping.level } : {}),
    ...(host ? { host } : {}),
  };
  return event;
}
