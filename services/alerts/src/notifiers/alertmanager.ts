import type { AttemptResult } from '@rollwatch/core';
import { httpAttempt, toDelivery } from '../http/attempt.js';
import type { Delivery, Notice, Notifier } from './interface.js';
import { topReasons } from './payload.js';

export interface AlertmanagerNotifierOptions {
  url: string;
  timeoutMs: number;
  /** ALERTS_ALERTMANAGER_RESEND: a firing alert's endsAt is 4 of these ahead (it is re-posted every one). */
  resendMs: number;
  now?: () => Date;
}

/** Like Prometheus: endsAt a few resend intervals ahead, so one lost re-post does not resolve the alert. */
export const ENDS_AT_RESENDS = 4;

export interface AlertmanagerAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt?: string;
  generatorURL: string;
}

// Label names must match [a-zA-Z_][a-zA-Z0-9_]*: verdict labels are copied only when they do.
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const RESERVED = new Set(['alertname', 'rollout', 'service', 'severity']);

/**
 * Pure: the v2 alert for a notice. Labels identify the alert (same labels = same alert in
 * Alertmanager), so a resolve re-sends them with `endsAt` set.
 */
export function alertmanagerAlert(notice: Notice, now = new Date()): AlertmanagerAlert {
  const v = notice.verdict;
  const labels: Record<string, string> = { alertname: 'RollwatchNoGo', rollout: v.rollout, service: v.service ?? '', severity: notice.alertDecision === 'no-go' ? 'critical' : 'warning' };
  for (const [key, value] of Object.entries(v.labels ?? {})) {
    if (LABEL_NAME.test(key) && !RESERVED.has(key)) labels[key] = value;
  }
  if (!labels.service) delete labels.service;
  const reasons = topReasons(v.reasons, 3);
  const alert: AlertmanagerAlert = {
    labels,
    annotations: {
      summary: notice.kind === 'resolve' ? `Rollout ${v.rollout} resolved: ${notice.summary}` : `Rollout ${v.rollout} is ${v.decision}: ${notice.summary}`,
      description: reasons.length && notice.kind === 'notify' ? reasons.map((r) => `${r.signal}: ${r.message}`).join('\n') : notice.summary,
      dashboard: notice.links.dashboard,
      verdict_api: notice.links.verdictApi,
      sequence: String(v.sequence),
    },
    startsAt: notice.startsAt,
    generatorURL: notice.links.dashboard,
  };
  // A resolve ends it now; a firing alert carries endsAt in the future when the caller set one
  // (the notifier does: it is re-posted before then, for as long as the rollout stays bad).
  if (notice.kind === 'resolve') alert.endsAt = notice.endsAt ?? now.toISOString();
  else if (notice.endsAt) alert.endsAt = notice.endsAt;
  return alert;
}

/** POSTs alerts to Alertmanager's v2 API (`/api/v2/alerts`). */
export class AlertmanagerNotifier implements Notifier {
  readonly name = 'alertmanager' as const;
  constructor(private readonly options: AlertmanagerNotifierOptions) {}

  async send(notice: Notice, signal?: AbortSignal): Promise<AttemptResult<Delivery>> {
    const now = this.options.now?.() ?? new Date();
    if (notice.kind === 'notify' && !notice.endsAt) notice = { ...notice, endsAt: new Date(now.getTime() + ENDS_AT_RESENDS * this.options.resendMs).toISOString() };
    return toDelivery(
      await httpAttempt({
        url: `${this.options.url.replace(/\/+$/, '')}/api/v2/alerts`,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'rollwatch-alerts' },
        body: JSON.stringify([alertmanagerAlert(notice, now)]),
        timeoutMs: this.options.timeoutMs,
        signal,
      }),
    );
  }
}
