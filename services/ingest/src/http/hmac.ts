import { createHmac, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

export const SIGNATURE_HEADER = 'x-rollwatch-signature';

/** `sha256=<hex>` of HMAC-SHA256(secret, raw body): what a sender puts in X-Rollwatch-Signature. */
export function signBody(secret: string, body: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export function verifySignature(secret: string, body: Buffer, header: string | undefined): boolean {
  if (!header) return false;
  const expected = Buffer.from(signBody(secret, body));
  const given = Buffer.from(header.trim().toLowerCase());
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * Verifies the body signature when a secret is configured (401 missing, 403 wrong). Runs after
 * the raw body parser: the MAC is over the exact bytes received.
 */
export function requireSignature(secret: string | undefined) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!secret) return next();
    const header = req.get(SIGNATURE_HEADER);
    if (!header) {
      res.status(401).json({ error: 'missing X-Rollwatch-Signature header (sha256=<hex HMAC-SHA256 of the body>)', field: SIGNATURE_HEADER });
      return;
    }
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    if (!verifySignature(secret, body, header)) {
      res.status(403).json({ error: 'X-Rollwatch-Signature does not match the body', field: SIGNATURE_HEADER });
      return;
    }
    next();
  };
}
