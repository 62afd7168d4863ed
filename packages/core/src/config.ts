import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ValidationError } from '@rollwatch/contract';
import { parseTopicRetention } from './bus/topic-settings.js';
import { durationMs, parsePerFamily } from './store/storage-settings.js';

/**
 * 12-factor config: each service declares one zod object whose keys are env var names, each with
 * `.describe()` text and a default that works on a laptop. Values are merged user → env → defaults.
 * A secret may also be given as `<NAME>_FILE` (a path), the Docker/Kubernetes secrets convention.
 */
export function loadConfig<S extends z.ZodObject>(
  schema: S,
  options: { env?: NodeJS.ProcessEnv; overrides?: Partial<Record<keyof z.input<S>, unknown>> } = {},
): z.output<S> {
  const env = options.env ?? process.env;
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(schema.shape)) {
    const fileKey = `${key}_FILE`;
    const direct = env[key];
    if (direct !== undefined && direct !== '') raw[key] = direct;
    else if (env[fileKey]) {
      try {
        raw[key] = readFileSync(env[fileKey]!, 'utf8').trim();
      } catch (error) {
        throw new ValidationError(fileKey, `cannot read file: ${(error as Error).message}`);
      }
    }
  }
  for (const [key, value] of Object.entries(options.overrides ?? {})) {
    if (value !== undefined) raw[key] = value;
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(config)'}: ${issue.message}`);
    const first = parsed.error.issues[0];
    throw new ValidationError(first?.path.join('.') || '(config)', `invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  return parsed.data;
}

/** Reusable env var types: env vars are strings, these coerce and validate them. */
export const env = {
  port: (def: number) => z.coerce.number().int().min(0).max(65535).default(def),
  int: (def: number, min = 0) => z.coerce.number().int().min(min).default(def),
  number: (def: number) => z.coerce.number().finite().default(def),
  bool: (def: boolean) =>
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
      .default(def ? 'true' : 'false')
      .transform((v) => v === 'true' || v === '1' || v === 'yes'),
  list: () =>
    z
      .string()
      .optional()
      .transform((v) => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : [])),
  url: () => z.url().optional(),
  secret: () => z.string().min(1).optional(),
};

function checked(parse: (value: string) => unknown) {
  return (value: string, ctx: z.RefinementCtx<string>) => {
    try {
      parse(value);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
    }
  };
}

/** Elasticsearch storage: data stream lifecycle, retention, shards and replicas (docs/capacity.md sizes them). */
function storageConfigShape() {
  return {
    ROLLWATCH_RETENTION_DAYS: z.coerce.number().positive().default(14).describe('Days events, anomalies and the actions audit are kept (a backing index is deleted this long after its rollover).'),
    ELASTICSEARCH_LIFECYCLE: z.enum(['auto', 'ilm', 'data-stream-lifecycle', 'rollwatch', 'none']).default('auto').describe('Who rolls over and deletes the data streams: `ilm` policy, Elasticsearch\'s `data-stream-lifecycle`, `rollwatch` itself (clusters with neither), `none`; `auto` picks the first the cluster has.'),
    ELASTICSEARCH_ROLLOVER_MAX_AGE: z.string().default('1d').superRefine(checked(durationMs)).describe('Roll a data stream over after this age (ILM and `rollwatch` lifecycles).'),
    ELASTICSEARCH_ROLLOVER_MAX_SIZE: z.string().regex(/^\d+(b|kb|mb|gb|tb)$/, 'an Elasticsearch byte size like 50gb').default('50gb').describe('Roll a data stream over when a primary shard reaches this size (ILM and `rollwatch` lifecycles).'),
    ELASTICSEARCH_LIFECYCLE_POLL: z.string().default('5m').superRefine(checked(durationMs)).describe('How often the `rollwatch` lifecycle checks rollover and retention.'),
    ELASTICSEARCH_SHARDS: z.string().default('1').superRefine(checked((v) => parsePerFamily(v, 1))).describe('Primary shards per index family: `N` or `events=6,anomalies=2` (families: events, anomalies, actions, verdicts, rollouts, silences, checkpoints).'),
    ELASTICSEARCH_REPLICAS: z.string().default('1').superRefine(checked((v) => parsePerFamily(v, 1))).describe('Replicas per index family, same syntax (0 on a single node: the compose stack, `npm run stack`, tests).'),
  };
}

/** Settings every service shares: backends, auth, logging. */
export const commonConfigShape = {
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info').describe('Log level (JSON logs on stdout).'),
  KAFKA_BROKERS: env.list().describe('Comma-separated Kafka bootstrap brokers. Unset: embedded in-process bus.'),
  KAFKA_CLIENT_ID: z.string().default('rollwatch').describe('Kafka client id prefix.'),
  KAFKA_SSL: env.bool(false).describe('Use TLS to Kafka.'),
  KAFKA_SSL_CA_FILE: z.string().optional().describe('PEM CA bundle for Kafka TLS.'),
  KAFKA_SASL_MECHANISM: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).optional().describe('Kafka SASL mechanism.'),
  KAFKA_SASL_USERNAME: z.string().optional().describe('Kafka SASL user.'),
  KAFKA_SASL_PASSWORD: env.secret().describe('Kafka SASL password (or KAFKA_SASL_PASSWORD_FILE).'),
  KAFKA_PARTITIONS: env.int(6, 1).describe('Partitions for topics rollwatch creates.'),
  KAFKA_REPLICATION_FACTOR: env.int(1, 1).describe('Replication factor for topics rollwatch creates (3 in production).'),
  KAFKA_MIN_INSYNC_REPLICAS: z.coerce.number().int().min(1).optional().describe('`min.insync.replicas` of the topics rollwatch creates. Unset: 2 when the replication factor is 3 or more, else RF-1 (at least 1).'),
  KAFKA_RETENTION: z.string().default('events=7d,actions=30d,dlq=30d').superRefine(checked(parseTopicRetention)).describe('Per topic `retention.ms` as `topic=duration` (events, actions, dlq; verdicts are compacted and kept).'),
  KAFKA_MAX_MESSAGE_BYTES: env.int(1_048_576, 1024).describe('`max.message.bytes` of the topics rollwatch creates.'),
  ELASTICSEARCH_URL: env.url().describe('Elasticsearch URL. Unset: embedded in-memory store.'),
  ELASTICSEARCH_USERNAME: z.string().optional().describe('Elasticsearch basic-auth user.'),
  ELASTICSEARCH_PASSWORD: env.secret().describe('Elasticsearch password (or ELASTICSEARCH_PASSWORD_FILE).'),
  ELASTICSEARCH_API_KEY: env.secret().describe('Elasticsearch API key (or ELASTICSEARCH_API_KEY_FILE).'),
  ELASTICSEARCH_CA_FILE: z.string().optional().describe('PEM CA bundle for Elasticsearch TLS.'),
  ...storageConfigShape(),
  ROLLWATCH_API_TOKEN: env.secret().describe('Bearer token with every scope (push, read, operate, admin). With no token at all, services refuse to listen beyond 127.0.0.1 unless ROLLWATCH_INSECURE=true.'),
  ROLLWATCH_READ_TOKEN: env.secret().describe('Bearer token with the `read` scope only (verdicts, events, audit, dashboard).'),
  ROLLWATCH_PUSH_TOKEN: env.secret().describe('Bearer token with the `push` scope only: send events to ingest (POST /api/v1/events, receivers).'),
  ROLLWATCH_OPERATE_TOKEN: env.secret().describe('Bearer token with `operate` + `read`: overrides, silences, rollout registrations.'),
  ROLLWATCH_ADMIN_TOKEN: env.secret().describe('Bearer token with `admin` + `operate` + `read`: DLQ replay, actuation targets (ALERTS_ACTUATION_TARGETS).'),
  ROLLWATCH_INSECURE: env.bool(false).describe('Allow listening beyond 127.0.0.1 with no token (no auth at all); logged as a warning at start and every hour.'),
};

export type CommonConfig = z.output<z.ZodObject<typeof commonConfigShape>>;

/** The default as a user would type it in the environment (before any transform). */
function rawDefault(field: z.ZodType): unknown {
  const def = (field as unknown as { _zod: { def: { type: string; in?: z.ZodType; innerType?: z.ZodType; defaultValue?: unknown } } })._zod.def;
  if (def.type === 'default') return def.defaultValue;
  if (def.type === 'pipe' && def.in) return rawDefault(def.in);
  if ((def.type === 'optional' || def.type === 'nullable') && def.innerType) return rawDefault(def.innerType);
  return undefined;
}

/** Markdown table of a config schema, for the README. */
export function describeConfig(schema: z.ZodObject): string {
  const rows = Object.entries(schema.shape).map(([key, field]) => {
    const f = field as z.ZodType;
    const value = rawDefault(f);
    const shown = Array.isArray(value) ? value.join(',') : value;
    const def = shown === undefined || shown === '' ? '' : `\`${String(shown).replace(/\|/g, '\\|')}\``;
    return `| \`${key}\` | ${def} | ${(f.description ?? '').replace(/\|/g, '\\|')} |`;
  });
  return ['| Variable | Default | Meaning |', '|---|---|---|', ...rows].join('\n');
}
