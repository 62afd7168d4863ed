import { createHash } from 'node:crypto';
import { EVENT_GROUPS, EVENT_TYPES, type EventType, type LogLevel } from '@rollwatch/core';
import { z } from 'zod';
import type { SourceEvent } from '../sources/interface.js';

/**
 * Alertmanager webhook receiver (payload version 4) → rollwatch events. Pure.
 *
 * Per alert:
 *  - rollout: label `rollout` (or `rollwatch_rollout`); otherwise the mapping rules run on the
 *    alert labels (e.g. `rollwatch.io/rollout`, Compose labels, custom rules).
 *  - group: label `group` (or `rollwatch_group`) when it is canary|baseline|stable|other.
 *  - instance: label `instance`, else `pod`, `container`, `job`, else the alert fingerprint.
 *  - type: label `rollwatch_type` when it is an event type; else from `alertname`:
 *    OOM → oom_killed, CrashLoop/Restart/BackOff → container_restart, Health/Probe/Unhealthy/Down/
 *    Unavailable → health_check_failed; everything else → `log` with level from `severity`
 *    (critical|page|error → error, warning → warn, info → info; default error) and the
 *    `summary`/`description` annotation (else the alertname) as the message.
 *  - resolved alerts: `health_check_passed` for alerts whose firing type is health_check_failed,
 *    otherwise skipped (a resolved crash loop is not an event).
 *  - time: startsAt (endsAt for resolved); id: hash of fingerprint, startsAt and status, so
 *    Alertmanager's repeat notifications are stored once.
 *  - labels: every alert label, plus each annotation as `annotation.<name>`.
 */
const alertSchema = z.object({
  status: z.enum(['firing', 'resolved']),
  labels: z.record(z.string(), z.string()),
  annotations: z.record(z.string(), z.string()).default({}),
  startsAt: z.string(),
  endsAt: z.string().optional(),
  generatorURL: z.string().optional(),
  fingerprint: z.string().optional(),
});

export const alertmanagerPayloadSchema = z.object({
  version: z.string().optional(),
  status: z.string().optional(),
  receiver: z.string().optional(),
  groupKey: z.string().optional(),
  alerts: z.array(alertSchema),
});

export type AlertmanagerPayload = z.infer<typeof alertmanagerPayloadSchema>;
type Alert = AlertmanagerPayload['alerts'][number];

export type ConversionResult = { ok: true; events: SourceEvent[]; skipped: number } | { ok: false; field: string; message: string };

const MAX_LABEL_VALUE = 4096;

export function alertmanagerToEvents(body: unknown): ConversionResult {
  const parsed = alertmanagerPayloadSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.map(String).join('.') || '(body)';
    return { ok: false, field, message: `${field}: ${issue.message} (expected an Alertmanager webhook payload, version 4)` };
  }
  if (parsed.data.version !== undefined && parsed.data.version !== '4') {
    return { ok: false, field: 'version', message: `version "${parsed.data.version}" is not supported; Alertmanager sends version "4"` };
  }
  const events: SourceEvent[] = [];
  let skipped = 0;
  for (const alert of parsed.data.alerts) {
    const event = alertToEvent(alert);
    if (event) events.push(event);
    else skipped++;
  }
  return { ok: true, events, skipped };
}

export function eventTypeForAlert(labels: Record<string, string>): EventType | undefined {
  const explicit = labels.rollwatch_type;
  if (explicit && (EVENT_TYPES as readonly string[]).includes(explicit) && explicit !== 'metric') return explicit as EventType;
  const name = labels.alertname ?? '';
  if (/oom/i.test(name)) return 'oom_killed';
  if (/crash ?loop|restart|back-?off/i.test(name)) return 'container_restart';
  if (/health|probe|unhealthy|down\b|down$|unavailable|unreachable/i.test(name)) return 'health_check_failed';
  return undefined;
}

function levelFor(severity: string | undefined): LogLevel {
  switch (severity?.toLowerCase()) {
    case 'info':
    case 'none':
      return 'info';
    case 'warning':
    case 'warn':
      return 'warn';
    default:
      return 'error';
  }
}

function alertToEvent(alert: Alert): SourceEvent | undefined {
  const { labels, annotations } = alert;
  const firingType = eventTypeForAlert(labels);
  let type: EventType;
  if (alert.status === 'resolved') {
    if (firingType !== 'health_check_failed') return undefined;
    type = 'health_check_passed';
  } else {
    type = firingType ?? 'log';
  }
  const time = alert.status === 'resolved' && alert.endsAt && !alert.endsAt.startsWith('0001-') ? alert.endsAt : alert.startsAt;
  const identity = alert.fingerprint ?? JSON.stringify(Object.entries(labels).sort());
  const id = `am-${createHash('sha256').update(`${identity}|${alert.startsAt}|${alert.status}`).digest('hex').slice(0, 32)}`;
  const rollout = labels.rollout ?? labels.rollwatch_rollout;
  const group = labels.group ?? labels.rollwatch_group;
  const summary = annotations.summary ?? annotations.description ?? labels.alertname ?? 'alert';
  const eventLabels: Record<string, string> = {};
  for (const [key, value] of Object.entries(labels)) eventLabels[key] = value.slice(0, MAX_LABEL_VALUE);
  for (const [key, value] of Object.entries(annotations)) eventLabels[`annotation.${key}`] = value.slice(0, MAX_LABEL_VALUE);
  if (alert.generatorURL) eventLabels['alertmanager.generator_url'] = alert.generatorURL.slice(0, MAX_LABEL_VALUE);
  const event: SourceEvent = {
    id,
    time,
    type,
    instance: labels.instance ?? labels.pod ?? labels.container ?? labels.job ?? alert.fingerprint ?? 'alertmanager',
    source: 'alertmanager',
    labels: eventLabels,
    ...(rollout ? { rollout } : {}),
    ...(group && (EVENT_GROUPS as readonly string[]).includes(group) ? { group: group as SourceEvent['group'] } : {}),
    ...(labels.node ? { host: labels.node } : {}),
    ...(labels.service ? { service: labels.service } : {}),
    ...(labels.version ? { version: labels.version } : {}),
  };
  event.message = summary;
  if (type === 'log') event.level = levelFor(labels.severity);
  return event;
}
