import { z } from 'zod';
import { commonConfigShape, env } from '@rollwatch/core';
import { placeholders } from './metric-providers/template.js';

export const METRIC_PROVIDER_KINDS = ['none', 'prometheus'] as const;
export type MetricProviderKind = (typeof METRIC_PROVIDER_KINDS)[number];

const KNOWN_PLACEHOLDERS = new Set(['rollout', 'group', 'service']);

/** `{"policy_signal": "promql with {{rollout}} and {{group}}"}` as JSON in an env var. */
const promQueries = z
  .string()
  .optional()
  .transform((raw, ctx) => {
    if (!raw) return {} as Record<string, string>;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `must be a JSON object of metric name → PromQL: ${(error as Error).message}` });
      return z.NEVER;
    }
    const result = z.record(z.string().regex(/^[a-z][a-z0-9_]*$/, 'keys are policy signal names (snake_case)'), z.string().min(1)).safeParse(parsed);
    if (!result.success) {
      ctx.addIssue({ code: 'custom', message: `must be a JSON object of policy signal name → PromQL (${result.error.issues[0]?.message ?? 'invalid'})` });
      return z.NEVER;
    }
    for (const [signal, query] of Object.entries(result.data)) {
      const unknown = placeholders(query).filter((p) => !KNOWN_PLACEHOLDERS.has(p));
      if (unknown.length > 0) {
        ctx.addIssue({ code: 'custom', message: `${signal}: unknown placeholder(s) ${unknown.map((p) => `{{${p}}}`).join(', ')} (known: {{rollout}}, {{group}}, {{service}})` });
        return z.NEVER;
      }
    }
    return result.data;
  });

/** Detector configuration: keys are env var names; defaults run on a laptop with nothing else. */
export const detectorConfigSchema = z.object({
  ...commonConfigShape,
  DETECTOR_PORT: env.port(8081).describe('HTTP port of the go/no-go API (0 = any free port).'),
  DETECTOR_HOST: z.string().default('0.0.0.0').describe('Interface the API listens on.'),
  DETECTOR_POLICY_FILE: z.string().optional().describe('YAML/JSON file of named analysis policies (unset: the engine\'s built-in policies).'),
  DETECTOR_DEFAULT_POLICY: z.string().optional().describe('Policy name for rollouts discovered from events without a registration (unset: the engine default).'),
  DETECTOR_EVALUATION_INTERVAL_MS: env.int(5000, 100).describe('Periodic re-evaluation of the tracked rollouts that are due (time-based rules: silence, minimum duration); a round uses at most half the interval, the rest waits for the next (gauge rollwatch_detector_evaluation_backlog).'),
  DETECTOR_RETENTION_MS: env.int(24 * 60 * 60 * 1000, 60_000).describe('Rollouts with no event for this long are evicted from memory; also how far back an assigned partition\'s state is restored, and how old another replica\'s latest verdict may be for GET /rollouts to list its rollout.'),
  DETECTOR_SCORE_CHANGE_MIN: env.number(1).describe('A verdict is published when the decision or the set of failing signals changes, or the score moves by at least this much.'),
  DETECTOR_REBUILD_MAX_EVENTS: env.int(1_000_000, 0).describe('Upper bound on events replayed from the store when partitions are assigned (0 disables the restore).'),
  DETECTOR_CHECKPOINT_INTERVAL_MS: env
    .int(60_000, 0)
    .describe('How often each owned partition\'s engine state is checkpointed (index rollwatch-checkpoints, tagged with the partition offset it covers); a restore is the last checkpoint plus the events after it. 0 disables checkpoints.'),
  DETECTOR_FLAGGER_REVISION_WINDOW_MS: env
    .int(5 * 60_000)
    .describe('A Flagger checksum seen for the first time is tied to a revision of the rollout first seen at most this long before it (its canary pods may start before the first webhook); until one exists the webhooks answer pending.'),
  ROLLWATCH_CLUSTER: z.string().optional().describe('Cluster name, as given to ingest: Flagger webhooks then look for <cluster>/<namespace>/<name> first.'),
  DETECTOR_CONSUMER_GROUP: z.string().default('rollwatch-detector').describe('Kafka consumer group (replicas of one detector share it).'),
  DETECTOR_ADVERTISED_URL: env
    .url()
    .describe('Base URL other replicas reach this one at (e.g. http://detector-0.detector:8081), published to the consumer group: they forward /series, /hosts, /templates (and Flagger calls) for rollouts this replica owns. Unset: not forwarded to, they answer from its last checkpoint.'),
  DETECTOR_FORWARD_TIMEOUT_MS: env.int(3000, 100).describe('Timeout of a request forwarded to the replica that owns a rollout; past it the checkpoint answers.'),
  DETECTOR_VERDICT_VIEW_MAX: env
    .int(100_000, 0)
    .describe('Latest verdicts (per rollout key) kept in memory from the compacted rollwatch.verdicts topic, so any replica answers /verdict, /gate, Flagger, GET /rollouts and /stream for rollouts another replica owns; least recently updated dropped first. 0 disables the view (the list and stream are then this replica\'s own).'),
  DETECTOR_FROM_BEGINNING: env.bool(true).describe('A new consumer group starts from the earliest retained event.'),
  DETECTOR_METRIC_PROVIDER: z
    .enum(METRIC_PROVIDER_KINDS)
    .optional()
    .describe('External metric source turned into `metric` events (unset: `prometheus` when PROMETHEUS_URL is set, else none).'),
  PROMETHEUS_URL: env.url().describe('Prometheus base URL for PromQL range queries, e.g. http://prometheus:9090.'),
  PROMETHEUS_QUERIES: promQueries.describe(
    'JSON object policy signal name → PromQL with {{rollout}} / {{group}} / {{service}} placeholders, queried for the canary and baseline groups; each sample becomes a `metric` event named after the signal.',
  ),
  PROMETHEUS_INTERVAL_MS: env.int(15_000, 1000).describe('How often Prometheus is polled for each tracked rollout.'),
  PROMETHEUS_STEP_SECONDS: env.int(15, 1).describe('Resolution (step) of the PromQL range queries.'),
  PROMETHEUS_LOOKBACK_MS: env.int(10 * 60 * 1000, 1000).describe('Range of the first query for a rollout (later polls continue from the last sample).'),
  PROMETHEUS_TIMEOUT_MS: env.int(10_000, 100).describe('Timeout of one Prometheus HTTP request.'),
  DETECTOR_OVERRIDE_TIMEOUT_MS: env
    .int(10_000, 100)
    .describe('How long POST /rollouts/{id}/override waits for the replica that owns the rollout to number and publish the forced verdict (after that it answers 202 queued).'),
});

export type DetectorConfig = z.output<typeof detectorConfigSchema>;
