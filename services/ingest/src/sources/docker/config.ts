import { env } from '@rollwatch/core';
import { z } from 'zod';
import { LOG_LEVEL_PATTERN_DEFAULTS, parseLogPatterns, type LogPattern } from './log-filter.js';

const logPatterns = z
  .string()
  .default(JSON.stringify(LOG_LEVEL_PATTERN_DEFAULTS))
  .transform((value, ctx): LogPattern[] => {
    const parsed = parseLogPatterns(value);
    if (!parsed.ok) {
      ctx.addIssue({ code: 'custom', message: parsed.error });
      return z.NEVER;
    }
    return parsed.patterns;
  });

/**
 * Env-keyed config of the Docker Engine API source (Docker, or Podman's Docker-compatible API).
 * The ingest service merges this shape into its own schema; every default works on a laptop with
 * a local Docker (or `podman system service`) socket.
 */
export const dockerSourceConfigShape = {
  DOCKER_HOST: z
    .string()
    .default('unix:///var/run/docker.sock')
    .describe('Engine address, Docker CLI convention: unix:///path.sock, tcp://host:2376, ssh://user@host. Podman: unix:///run/podman/podman.sock.'),
  DOCKER_TLS_VERIFY: env.bool(false).describe('Use TLS (and verify the engine certificate) for tcp:// hosts, with the certs in DOCKER_CERT_PATH.'),
  DOCKER_CERT_PATH: z.string().optional().describe('Directory with ca.pem, cert.pem, key.pem for DOCKER_TLS_VERIFY. Unset: ~/.docker.'),
  DOCKER_API_VERSION: z.string().optional().describe('Pin the Engine API version (e.g. 1.41). Unset: the engine default.'),
  INGEST_DOCKER_LOGS: env.bool(true).describe('Tail container logs and forward lines matching INGEST_DOCKER_LOG_PATTERNS as `log` events.'),
  INGEST_DOCKER_LOG_PATTERNS: logPatterns.describe(
    'JSON list [{"level":"error","pattern":"regex","flags":"i"}], first match wins. Default: the words error, fatal, panic, exception → error; warn, warning → warn (case-insensitive).',
  ),
  INGEST_DOCKER_LOG_RATE: env.number(5).describe('Forwarded log lines per second per container (token bucket refill); lines above it are counted, not sent.'),
  INGEST_DOCKER_LOG_BURST: env.int(50, 1).describe('Token bucket size: lines a container may forward at once before INGEST_DOCKER_LOG_RATE applies.'),
  INGEST_DOCKER_LOG_MAX_LINE: env.int(4096, 64).describe('Longer log lines are truncated to this many characters.'),
  INGEST_DOCKER_LABEL_FILTER: z
    .string()
    .optional()
    .describe('Only watch containers with this label (`key` or `key=value`, the engine\'s label filter). Unset: all containers.'),
  INGEST_DOCKER_BACKOFF_INITIAL_MS: env.int(250, 1).describe('First reconnect delay after the event stream drops (full-jitter exponential backoff).'),
  INGEST_DOCKER_BACKOFF_MAX_MS: env.int(15_000, 1).describe('Reconnect delay cap.'),
  INGEST_DOCKER_REQUEST_TIMEOUT_MS: env
    .int(30_000, 100)
    .describe('Deadline for one engine request (info, list, inspect, opening a stream); a request the engine or network leaves half-answered is abandoned and retried.'),
  INGEST_DOCKER_DEDUPE_WINDOW: env.int(20_000, 100).describe('How many recent event ids are remembered to drop events the engine replays after a reconnect.'),
};

export const dockerSourceConfigSchema = z.object(dockerSourceConfigShape);
export type DockerSourceConfig = z.output<typeof dockerSourceConfigSchema>;

/**
 * The docker fields of an already-parsed service config; fields the service schema does not (yet)
 * carry fall back to this schema's defaults, so the source works before the shapes are merged.
 */
export function resolveDockerSourceConfig(config: object): DockerSourceConfig {
  const defaults = dockerSourceConfigSchema.parse({});
  const given = config as Record<string, unknown>;
  const resolved: Record<string, unknown> = { ...defaults };
  for (const key of Object.keys(dockerSourceConfigShape)) {
    if (given[key] !== undefined) resolved[key] = given[key];
  }
  return resolved as DockerSourceConfig;
}
