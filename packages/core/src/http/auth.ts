import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

export interface AuthTokens {
  /** May read and write. */
  write?: string;
  /** May only read. */
  read?: string;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Constant-time comparison (hashing first makes lengths equal, so length leaks nothing either). */
export function tokenEquals(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

function bearer(req: Request): string | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(.+)$/i.exec(header);
  return match?.[1]?.trim();
}

/**
 * Bearer auth when a token is configured: 401 without a token, 403 with a wrong one (or a read
 * token on a write). With no tokens configured every request passes (laptop default).
 */
export function requireAuth(tokens: AuthTokens, access: 'read' | 'write') {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!tokens.write && !tokens.read) return next();
    const token = bearer(req) ?? (access === 'read' && typeof req.query.access_token === 'string' ? req.query.access_token : undefined);
    if (!token) {
      res.status(401).set('WWW-Authenticate', 'Bearer realm="rollwatch"').json({ error: 'missing bearer token', field: 'authorization' });
      return;
    }
    const canWrite = tokens.write !== undefined && tokenEquals(token, tokens.write);
    const canRead = canWrite || (tokens.read !== undefined && tokenEquals(token, tokens.read));
    if (access === 'write' ? canWrite : canRead) return next();
    res.status(403).json({ error: access === 'write' && canRead ? 'token may only read' : 'invalid bearer token', field: 'authorization' });
  };
}
