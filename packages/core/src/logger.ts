import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Settings and fields whose values are secrets. pino's redaction matches whole key names (no
 * `*_TOKEN` globs), so every secret setting is listed by name; a test logs each service's full
 * configuration and checks that no secret value comes out.
 */
export const SECRET_KEYS = [
  'ROLLWATCH_API_TOKEN',
  'ROLLWATCH_READ_TOKEN',
  'ROLLWATCH_PUSH_TOKEN',
  'ROLLWATCH_OPERATE_TOKEN',
  'ROLLWATCH_ADMIN_TOKEN',
  'KAFKA_SASL_PASSWORD',
  'ELASTICSEARCH_PASSWORD',
  'ELASTICSEARCH_API_KEY',
  'INGEST_RECEIVER_HMAC_SECRET',
  'INGEST_RECEIVER_TOKEN',
  'ALERTS_WEBHOOK_SECRET',
  'ALERTS_SLACK_WEBHOOK_URL',
  'authorization',
  'cookie',
  'set-cookie',
  'token',
  'access_token',
  'password',
  'secret',
  'apiKey',
  'webhookUrl',
] as const;

/** Each key at the top level and up to three objects deep (`config.X`, `req.headers.X`, ...). */
export const REDACT_PATHS: string[] = SECRET_KEYS.flatMap((key) => {
  const k = /^[A-Za-z_$][\w$]*$/.test(key) ? key : `["${key}"]`;
  const join = (prefix: string) => (k.startsWith('[') ? `${prefix}${k}` : `${prefix}.${k}`);
  return [k, join('*'), join('*.*'), join('*.*.*')];
});

/** JSON logs; secrets are redacted wherever they appear under a known key. */
export function createLogger(service: string, level = process.env.LOG_LEVEL ?? 'info', destination?: pino.DestinationStream): Logger {
  const options = {
    name: service,
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  };
  return destination ? pino(options, destination) : pino(options);
}
