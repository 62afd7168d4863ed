import { pino, type Logger } from 'pino';

export type { Logger };

/** JSON logs; secrets are redacted wherever they appear under a well-known key. */
export function createLogger(service: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    name: service,
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: [
        'authorization',
        '*.authorization',
        'headers.authorization',
        '*.headers.authorization',
        'req.headers.authorization',
        'token',
        '*.token',
        'password',
        '*.password',
        'secret',
        '*.secret',
        'apiKey',
        '*.apiKey',
        '*.*_TOKEN',
        '*.*_PASSWORD',
        '*.*_SECRET',
        '*.*_API_KEY',
      ],
      censor: '[redacted]',
    },
  });
}
