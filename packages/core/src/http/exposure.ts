import { isIP } from 'node:net';
import type { Logger } from 'pino';
import { ValidationError } from '@rollwatch/contract';
import { authConfigured, type AuthTokens } from './auth.js';

/** How often a service running with ROLLWATCH_INSECURE=true repeats its warning. */
export const INSECURE_WARNING_INTERVAL_MS = 60 * 60 * 1000;

/** True for addresses only this machine can reach: 127.0.0.0/8, ::1, localhost. */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (h === '::1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

export interface ExposureOptions {
  service: string;
  host: string;
  tokens: AuthTokens;
  /** ROLLWATCH_INSECURE. */
  insecure: boolean;
  logger: Logger;
  warnEveryMs?: number;
}

/**
 * Secure by default: a service reachable beyond loopback must have a token, else it refuses to
 * start (throws, naming the variable). ROLLWATCH_INSECURE=true allows it anyway and warns now and
 * every hour. Returns a stop function for the warning timer.
 */
export function guardExposure(options: ExposureOptions): () => void {
  if (authConfigured(options.tokens) || isLoopbackHost(options.host)) return () => undefined;
  const what = `${options.service} listens on ${options.host} (reachable beyond this machine) with no API token`;
  if (!options.insecure) {
    throw new ValidationError(
      'ROLLWATCH_API_TOKEN',
      `${what}: set ROLLWATCH_API_TOKEN (or the scoped ROLLWATCH_*_TOKEN variables), listen on 127.0.0.1, or set ROLLWATCH_INSECURE=true to run without auth`,
    );
  }
  const warn = () => options.logger.warn({ host: options.host, setting: 'ROLLWATCH_INSECURE' }, `${what}: anyone who can reach it may push events, silence alerts and trigger rollbacks`);
  warn();
  const timer = setInterval(warn, options.warnEveryMs ?? INSECURE_WARNING_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
