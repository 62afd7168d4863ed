import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

/**
 * What a bearer token may do. `push` sends events; `read` reads verdicts, events and audits;
 * `operate` changes decisions (overrides, silences, rollout registrations); `admin` changes what
 * rollwatch may touch (DLQ replay, actuator targets). See SECURITY.md.
 */
export const SCOPES = ['push', 'read', 'operate', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

/** One optional token per role, each from its env variable (see `authTokensFrom`). */
export interface AuthTokens {
  /** ROLLWATCH_API_TOKEN: every scope (the single-token setup; kept for compatibility). */
  write?: string | undefined;
  /** ROLLWATCH_READ_TOKEN: read. */
  read?: string | undefined;
  /** ROLLWATCH_PUSH_TOKEN: push only (event producers, receivers). */
  push?: string | undefined;
  /** ROLLWATCH_OPERATE_TOKEN: operate + read. */
  operate?: string | undefined;
  /** ROLLWATCH_ADMIN_TOKEN: admin + operate + read. */
  admin?: string | undefined;
}

/** The scopes each configured token grants. */
export const TOKEN_GRANTS: Record<keyof AuthTokens, readonly Scope[]> = {
  write: SCOPES,
  admin: ['admin', 'operate', 'read'],
  operate: ['operate', 'read'],
  read: ['read'],
  push: ['push'],
};

/** The env variable behind each token (for messages and docs). */
export const TOKEN_VARIABLES: Record<keyof AuthTokens, string> = {
  write: 'ROLLWATCH_API_TOKEN',
  admin: 'ROLLWATCH_ADMIN_TOKEN',
  operate: 'ROLLWATCH_OPERATE_TOKEN',
  read: 'ROLLWATCH_READ_TOKEN',
  push: 'ROLLWATCH_PUSH_TOKEN',
};

/** Tokens from the common config (ROLLWATCH_*_TOKEN, each also as *_FILE). */
export function authTokensFrom(config: {
  ROLLWATCH_API_TOKEN?: string | undefined;
  ROLLWATCH_READ_TOKEN?: string | undefined;
  ROLLWATCH_PUSH_TOKEN?: string | undefined;
  ROLLWATCH_OPERATE_TOKEN?: string | undefined;
  ROLLWATCH_ADMIN_TOKEN?: string | undefined;
}): AuthTokens {
  return {
    write: config.ROLLWATCH_API_TOKEN,
    read: config.ROLLWATCH_READ_TOKEN,
    push: config.ROLLWATCH_PUSH_TOKEN,
    operate: config.ROLLWATCH_OPERATE_TOKEN,
    admin: config.ROLLWATCH_ADMIN_TOKEN,
  };
}

/** True when at least one token is configured (then every protected route needs one). */
export function authConfigured(tokens: AuthTokens): boolean {
  return Object.values(tokens).some((t) => typeof t === 'string' && t.length > 0);
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Constant-time comparison (hashing first makes lengths equal, so length leaks nothing either). */
export function tokenEquals(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/** Every scope the given token grants (empty for an unknown token). Compares against every token. */
export function scopesOf(tokens: AuthTokens, token: string): Set<Scope> {
  const scopes = new Set<Scope>();
  for (const key of Object.keys(TOKEN_GRANTS) as (keyof AuthTokens)[]) {
    const expected = tokens[key];
    if (expected && tokenEquals(token, expected)) for (const s of TOKEN_GRANTS[key]) scopes.add(s);
  }
  return scopes;
}

function bearer(req: Request): string | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(.+)$/i.exec(header);
  return match?.[1]?.trim();
}

export interface RequireAuthOptions {
  /**
   * Also accept `?access_token=`. Only for clients that cannot send headers (EventSource, Flagger
   * webhooks): URLs end up in logs and browser history.
   */
  queryToken?: boolean;
}

/**
 * Bearer auth when any token is configured: 401 without a token, 403 with a wrong one or one
 * lacking the scope. With no tokens configured every request passes: only allowed on loopback
 * or with ROLLWATCH_INSECURE=true (see `guardExposure`). `'write'` is the old name of `operate`.
 */
export function requireAuth(tokens: AuthTokens, access: Scope | 'write', options: RequireAuthOptions = {}) {
  const scope: Scope = access === 'write' ? 'operate' : access;
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!authConfigured(tokens)) return next();
    const token = bearer(req) ?? (options.queryToken && typeof req.query.access_token === 'string' ? req.query.access_token : undefined);
    if (!token) {
      res.status(401).set('WWW-Authenticate', 'Bearer realm="rollwatch"').json({ error: 'missing bearer token', field: 'authorization' });
      return;
    }
    const scopes = scopesOf(tokens, token);
    if (scopes.has(scope)) return next();
    res.status(403).json({ error: scopes.size > 0 ? `token lacks the "${scope}" scope` : 'invalid bearer token', field: 'authorization', scope });
  };
}
