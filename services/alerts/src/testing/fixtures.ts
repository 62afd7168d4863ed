import { loadConfig, type Verdict } from '@rollwatch/core';
import { alertsConfigSchema, type AlertsConfig } from '../config.js';

export const TEST_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

export function verdict(overrides: Partial<Verdict> = {}): Verdict {
  return {
    rollout: 'checkout-v2',
    service: 'checkout',
    decision: 'no-go',
    score: 12.5,
    reasons: [
      { signal: 'error_rate', severity: 'fail', message: 'canary 5xx rate 4.1% vs baseline 0.2%', canary: 0.041, baseline: 0.002, pValue: 0.0001 },
      { signal: 'oom_killed', severity: 'critical', message: '3 canary containers OOM-killed' },
      { signal: 'latency_p99', severity: 'warn', message: 'p99 up 40%' },
    ],
    evaluatedAt: new Date().toISOString(),
    sequence: 1,
    labels: { team: 'payments' },
    ...overrides,
  };
}

export function config(overrides: Record<string, unknown> = {}): AlertsConfig {
  return loadConfig(alertsConfigSchema, { env: {}, overrides: { ALERTS_PORT: 0, ALERTS_HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...overrides } });
}
