import type { AlertsConfig } from '../config.js';
import { secretKey } from '../http/signing.js';
import { AlertmanagerNotifier } from './alertmanager.js';
import { NOTIFIER_NAMES, type Notifier, type NotifierName } from './interface.js';
import { SlackNotifier } from './slack.js';
import { WebhookNotifier } from './webhook.js';

/** Builds one notifier, or undefined when its URL is not configured (a no-op: routes skip it). */
export function createNotifier(name: NotifierName, config: AlertsConfig): Notifier | undefined {
  const timeoutMs = config.ALERTS_HTTP_TIMEOUT_MS;
  switch (name) {
    case 'slack':
      return config.ALERTS_SLACK_WEBHOOK_URL ? new SlackNotifier({ webhookUrl: config.ALERTS_SLACK_WEBHOOK_URL, timeoutMs }) : undefined;
    case 'webhook':
      return config.ALERTS_WEBHOOK_URL
        ? new WebhookNotifier({ url: config.ALERTS_WEBHOOK_URL, key: config.ALERTS_WEBHOOK_SECRET ? secretKey(config.ALERTS_WEBHOOK_SECRET) : undefined, timeoutMs })
        : undefined;
    case 'alertmanager':
      return config.ALERTS_ALERTMANAGER_URL ? new AlertmanagerNotifier({ url: config.ALERTS_ALERTMANAGER_URL, timeoutMs, resendMs: config.ALERTS_ALERTMANAGER_RESEND }) : undefined;
    default: {
      const unknown: never = name;
      throw new Error(`unknown notifier ${String(unknown)}`);
    }
  }
}

/** Every configured notifier by name (empty when nothing is configured: actions are still audited). */
export function createNotifiers(config: AlertsConfig): Map<NotifierName, Notifier> {
  const notifiers = new Map<NotifierName, Notifier>();
  for (const name of NOTIFIER_NAMES) {
    const notifier = createNotifier(name, config);
    if (notifier) notifiers.set(name, notifier);
  }
  return notifiers;
}
