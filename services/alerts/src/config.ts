import { z } from 'zod';
import { commonConfigShape, env } from '@rollwatch/core';
import { AllowlistError, parseTargetAllowlist } from './policy/target-allowlist.js';

export const ACTUATOR_KINDS = ['none', 'webhook', 'argo-rollouts', 'kubernetes-deployment', 'docker-swarm'] as const;
export type ActuatorKind = (typeof ACTUATOR_KINDS)[number];

export const NO_GO_ACTIONS = ['none', 'pause', 'rollback'] as const;
export type NoGoAction = (typeof NO_GO_ACTIONS)[number];

/** Alerts configuration: keys are env var names; defaults run on a laptop with nothing else. */
export const alertsConfigSchema = z.object({
  ...commonConfigShape,
  ALERTS_PORT: env.port(8082).describe('HTTP port of the alerts API (0 = any free port).'),
  ALERTS_HOST: z.string().default('0.0.0.0').describe('Interface the API listens on.'),
  ALERTS_CONSUMER_GROUP: z.string().default('rollwatch-alerts').describe('Kafka consumer group for rollwatch.verdicts (replicas share it).'),
  ALERTS_FROM_BEGINNING: env.bool(true).describe('A new consumer group starts from the earliest retained verdict (already-handled ones are skipped via the audit).'),
  ALERTS_ROUTES_FILE: z.string().optional().describe('YAML or JSON routes file (see docs/alerts.md). Unset: ALERTS_ROUTES, else one catch-all route.'),
  ALERTS_ROUTES: z.string().optional().describe('Routes as JSON (same shape as the file) when no file is given.'),
  ALERTS_DRY_RUN: env.bool(false).describe('Record every notification/action as `dry-run` in the audit instead of sending it.'),
  ALERTS_ON_NO_GO: z.enum(NO_GO_ACTIONS).default('rollback').describe('What the default route does to a rollout on no-go when an actuator is configured.'),
  ALERTS_COOLDOWN_SECONDS: env.int(300, 0).describe('Per rollout: no second firing notification or actuation of the same kind within this many seconds.'),
  ALERTS_DASHBOARD_URL: z
    .string()
    .default('http://localhost:8081/#/rollouts/{rollout}')
    .describe('Dashboard link for a rollout; `{rollout}` is replaced by the URL-encoded rollout id.'),
  ALERTS_VERDICT_API_URL: z
    .string()
    .default('http://localhost:8081/api/v1/rollouts/{rollout}/verdict')
    .describe('Go/no-go API link for a rollout; `{rollout}` is replaced by the URL-encoded rollout id.'),
  ALERTS_SLACK_WEBHOOK_URL: env.secret().describe('Slack incoming webhook URL (or ALERTS_SLACK_WEBHOOK_URL_FILE). Unset: no Slack.'),
  ALERTS_WEBHOOK_URL: env.url().describe('Generic webhook receiving rollwatch.verdict.v1 JSON. Unset: no webhook notifier.'),
  ALERTS_WEBHOOK_SECRET: z
    .string()
    .regex(/^whsec_[A-Za-z0-9+/=]+$/, 'must be a Standard Webhooks secret: whsec_<base64>')
    .optional()
    .describe('Signing secret `whsec_<base64>` for the webhook notifier and webhook actuator (or ALERTS_WEBHOOK_SECRET_FILE).'),
  ALERTS_ALERTMANAGER_URL: env.url().describe('Alertmanager base URL, e.g. http://alertmanager:9093. Unset: no Alertmanager.'),
  ALERTS_ALERTMANAGER_RESEND: z
    .string()
    .default('1m')
    .transform((value, ctx) => {
      const ms = parseDurationMs(value);
      if (ms === undefined || ms < 100) {
        ctx.addIssue({ code: 'custom', message: 'must be a duration of at least 100ms, such as 1m, 30s or 1500ms' });
        return z.NEVER;
      }
      return ms;
    })
    .describe('Active alerts are re-posted to Alertmanager this often, each with endsAt 4 intervals ahead, until the rollout is go (or overridden), then resolved. Alertmanager would otherwise resolve them after its resolve_timeout.'),
  ALERTS_ACTUATOR: z.enum(ACTUATOR_KINDS).default('none').describe('What stops a bad rollout: none | webhook | argo-rollouts | kubernetes-deployment | docker-swarm.'),
  ALERTS_ACTUATOR_URL: env.url().describe('Webhook actuator URL, or Docker Engine URL for docker-swarm (e.g. http://localhost:2375).'),
  ALERTS_K8S_API_URL: env
    .url()
    .describe('Kubernetes API server URL (argo-rollouts / kubernetes-deployment). Unset in a pod: https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT.'),
  ALERTS_K8S_TOKEN_FILE: z
    .string()
    .default('/var/run/secrets/kubernetes.io/serviceaccount/token')
    .describe('Bearer token file for the API server (re-read on every call, so rotated tokens work).'),
  ALERTS_K8S_CA_FILE: z
    .string()
    .default('/var/run/secrets/kubernetes.io/serviceaccount/ca.crt')
    .describe('PEM CA bundle of the API server (ignored when the file does not exist).'),
  ALERTS_ACTUATION_TARGETS: z
    .string()
    .optional()
    .superRefine((value, ctx) => {
      try {
        parseTargetAllowlist(value);
      } catch (error) {
        if (!(error instanceof AllowlistError)) throw error;
        ctx.addIssue({ code: 'custom', message: error.message });
      }
    })
    .describe(
      'Workloads rollwatch may pause/roll back, as `namespace/name` globs separated by commas (e.g. `payments/checkout-*,shop/*`; docker-swarm and webhook targets have the namespace ALERTS_K8S_NAMESPACE, or none, which `*` matches). Labels and registrations only select among these; anything else is refused, audited and dead-lettered. Unset: no actuation (notify only).',
    ),
  ALERTS_K8S_NAMESPACE: z.string().min(1).optional().describe('Namespace for actuation targets when neither the route nor the verdict labels name one. Unset: such an actuation is refused, audited and dead-lettered with the reason (never a guessed namespace).'),
  ALERTS_HTTP_TIMEOUT_MS: env.int(5000, 100).describe('Timeout of one outgoing HTTP call (notifier or actuator).'),
  ALERTS_RETRY_MAX_ATTEMPTS: env.int(6, 1).describe('Attempts per action, including the first, before it is dead-lettered.'),
  ALERTS_RETRY_INITIAL_DELAY_MS: env.int(200, 1).describe('First retry backoff (full jitter, doubling).'),
  ALERTS_RETRY_MAX_DELAY_MS: env.int(10_000, 1).describe('Largest retry backoff (a longer Retry-After still wins).'),
  ALERTS_RETRY_DEADLINE_MS: env.int(60_000, 0).describe('Give up retrying an action after this long (0 = only the attempt limit).'),
});

export type AlertsConfig = z.output<typeof alertsConfigSchema>;

const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "1m", "30s", "1m30s", "1500ms" or plain milliseconds. */
export function parseDurationMs(text: string): number | undefined {
  const value = text.trim();
  if (/^\d+$/.test(value)) return Number(value);
  if (!/^(?:\d+(?:ms|s|m|h))+$/.test(value)) return undefined;
  let total = 0;
  for (const match of value.matchAll(/(\d+)(ms|s|m|h)/g)) total += Number(match[1]) * DURATION_UNITS_MS[match[2]!]!;
  return total;
}
