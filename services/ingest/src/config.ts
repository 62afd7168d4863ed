import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { commonConfigShape, EVENT_GROUPS, env } from '@rollwatch/core';
import { z } from 'zod';
import { dockerSourceConfigShape } from './sources/docker/config.js';
import { kubernetesSourceConfigShape } from './sources/kubernetes/config.js';

export const SOURCE_KINDS = ['docker', 'kubernetes'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

/** Where the spool lives unless configured: the user's cache dir (survives reboots), else tmp. */
export function defaultSpoolDir(): string {
  const cache = process.env.XDG_CACHE_HOME || (homedir() ? path.join(homedir(), '.cache') : tmpdir());
  return path.join(cache, 'rollwatch', 'ingest-spool');
}

const unmappedPolicy = z
  .string()
  .default('drop')
  .transform((value, ctx) => {
    if (value === 'drop') return { kind: 'drop' as const };
    const match = /^catchall:(.+)$/.exec(value);
    if (match && match[1]!.trim()) return { kind: 'catchall' as const, rollout: match[1]!.trim() };
    ctx.addIssue({ code: 'custom', message: 'must be "drop" or "catchall:<rollout name>"' });
    return z.NEVER;
  });

const sizeBytes = (def: number) =>
  z
    .union([z.number(), z.string()])
    .default(def)
    .transform((value, ctx) => {
      const parsed = parseSize(value);
      if (parsed === undefined) {
        ctx.addIssue({ code: 'custom', message: 'must be a byte count such as 268435456, 256mb or 1gb' });
        return z.NEVER;
      }
      return parsed;
    });

/** "5mb", "512kb", "1gb" or a plain number of bytes. */
export function parseSize(value: number | string): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value > 0 ? value : undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|kib|mb|mib|gb|gib)?\s*$/i.exec(value);
  if (!match) return undefined;
  const units: Record<string, number> = { b: 1, kb: 1024, kib: 1024, mb: 1024 ** 2, mib: 1024 ** 2, gb: 1024 ** 3, gib: 1024 ** 3 };
  const bytes = Math.floor(Number(match[1]) * units[(match[2] ?? 'b').toLowerCase()]!);
  return bytes > 0 ? bytes : undefined;
}

export const ingestConfigShape = {
  ...commonConfigShape,
  INGEST_PORT: env.port(8080).describe('HTTP port of the push API, receivers, /metrics, /healthz, /readyz.'),
  INGEST_HOST: z.string().default('0.0.0.0').describe('Address to listen on.'),
  INGEST_SOURCES: env
    .list()
    .pipe(z.array(z.enum(SOURCE_KINDS)))
    .describe('Comma-separated pull sources to run: docker, kubernetes. Empty: HTTP push only.'),
  INGEST_MAPPING_RULES: z.string().optional().describe('JSON list of mapping rules [{"match":{"label":"regex"},"rollout":"${label}","group":"canary"}], tried before the built-ins.'),
  INGEST_MAPPING_FILE: z.string().optional().describe('YAML file with mapping rules (same shape as INGEST_MAPPING_RULES), tried after the inline rules.'),
  INGEST_MAPPING_BUILTINS: env.bool(true).describe('Apply the built-in label conventions (rollwatch.io/*, Argo Rollouts, Docker Compose, Flagger).'),
  INGEST_WORKLOAD_GROUP: z.enum(EVENT_GROUPS).default('other').describe('Group of a plain workload (only rollwatch.io/workload=<name>, no Argo/Flagger/rollwatch.io/group marker). Flagger targets whose <name>-primary exists are canaries regardless.'),
  ROLLWATCH_CLUSTER: z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'must be a DNS-1123 name such as eu-west-1').optional().describe('Cluster name: Kubernetes rollout ids become <cluster>/<namespace>/<name> (set it when several clusters share one rollwatch).'),
  INGEST_UNMAPPED: unmappedPolicy.describe('Events with no derivable rollout: "drop" (counted in rollwatch_ingest_events_unmapped_total) or "catchall:<rollout>".'),
  INGEST_BODY_LIMIT: sizeBytes(5 * 1024 ** 2).describe('Largest accepted request body (413 above it).'),
  INGEST_RATE_LIMIT: env.int(6000).describe('Push requests per client IP per window (429 with Retry-After above it); 0 disables.'),
  INGEST_RATE_WINDOW_MS: env.int(60_000, 1).describe('Rate-limit window in milliseconds.'),
  INGEST_RECEIVER_TOKEN: env.secret().describe('Bearer token that may post to the receivers only (Alertmanager http_config.authorization, kubernetes-event-exporter headers). ROLLWATCH_API_TOKEN is accepted there too (or INGEST_RECEIVER_TOKEN_FILE).'),
  INGEST_RECEIVER_HMAC_SECRET: env.secret().describe('Optional: receivers also accept X-Rollwatch-Signature: sha256=<hex HMAC-SHA256 of the raw body> signed with this secret, instead of a bearer token.'),
  INGEST_MAX_INSTANCES_PER_ROLLOUT: env.int(2000).describe('Distinct instances one rollout may have (429 naming this setting above it); 0 disables. One evaluation of a rollout is one synchronous step whose cost grows with its instances (5,000 took 0.6-1.2 s on a loaded 2-core machine): raise it only with CPU to match.'),
  INGEST_MAX_HOSTS_PER_ROLLOUT: env.int(2000).describe('Distinct hosts one rollout may have (429 above it); 0 disables.'),
  INGEST_MAX_ATTRIBUTE_VALUES_PER_ROLLOUT: env.int(1000).describe('Distinct host-attribute key=value pairs one rollout may have (429 above it); 0 disables.'),
  INGEST_MAX_NEW_ROLLOUTS_PER_MINUTE: env.int(600).describe('Rollout ids not seen before that one client (IP) may start per minute (429 with Retry-After above it); 0 disables.'),
  INGEST_BATCH_MAX_EVENTS: env.int(500, 1).describe('Micro-batching: publish once this many events are waiting...'),
  INGEST_BATCH_MAX_WAIT_MS: env.int(5).describe('...or after this many milliseconds, whichever comes first.'),
  INGEST_PUBLISH_TIMEOUT_MS: env.int(5000, 1).describe('A publish slower than this counts as Kafka down: the batch goes to the spool.'),
  INGEST_REPLAY_BACKOFF_MAX_MS: env.int(10_000, 1).describe('Spool replay: longest wait between attempts while Kafka stays down (full-jitter exponential backoff from 500 ms).'),
  INGEST_SPOOL_DIR: z.string().default(defaultSpoolDir()).describe('Directory of the on-disk spool used while Kafka is unreachable (one ingest process per directory).'),
  INGEST_SPOOL_MAX_BYTES: sizeBytes(256 * 1024 ** 2).describe('Spool size cap; when full, push answers 503 with Retry-After.'),
  INGEST_SPOOL_SEGMENT_BYTES: sizeBytes(16 * 1024 ** 2).describe('Spool segment file size; drained segments are deleted.'),
  INGEST_SHUTDOWN_TIMEOUT_MS: env.int(15_000, 0).describe('On SIGTERM, how long to keep draining before exiting (the spool keeps the rest).'),
  // Each source's own settings (owned by the source's authors, merged here so one schema documents all).
  ...dockerSourceConfigShape,
  ...kubernetesSourceConfigShape,
};

export const ingestConfigSchema = z.object(ingestConfigShape);
export type IngestConfig = z.output<typeof ingestConfigSchema>;
