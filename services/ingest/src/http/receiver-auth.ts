import { tokenEquals } from '@rollwatch/core';
import type { NextFunction, Request, Response } from 'express';
import { SIGNATURE_HEADER, verifySignature } from './hmac.js';

export interface ReceiverCredentials {
  /** ROLLWATCH_API_TOKEN: may write anything, so it may post to receivers too. */
  writeToken?: string | undefined;
  /** ROLLWATCH_PUSH_TOKEN: the `push` scope covers the receivers. */
  pushToken?: string | undefined;
  /** INGEST_RECEIVER_TOKEN: may only post to the receivers (what goes into Alertmanager's config). */
  receiverToken?: string | undefined;
  /** INGEST_RECEIVER_HMAC_SECRET: an `X-Rollwatch-Signature` over the body, for senders that can sign. */
  hmacSecret?: string | undefined;
}

function bearer(req: Request): string | undefined {
  return /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1]?.trim();
}

/**
 * Receivers authenticate a sender by what it can send: Alertmanager (`http_config.authorization`)
 * and kubernetes-event-exporter (`headers`) send a bearer token, and neither can compute an HMAC.
 * Any one of a valid bearer token (receiver or write token) or a valid signature passes; nothing
 * configured means open (the laptop default). 401 without credentials, 403 with wrong ones.
 * Runs after the raw body parser: the signature is over the exact bytes.
 */
export function requireReceiverAuth(credentials: ReceiverCredentials) {
  const tokens = [credentials.writeToken, credentials.pushToken, credentials.receiverToken].filter((t): t is string => Boolean(t));
  const secret = credentials.hmacSecret;
  return (req: Request, res: Response, next: NextFunction): void => {
    if (tokens.length === 0 && !secret) return next();
    const token = bearer(req);
    const signature = req.get(SIGNATURE_HEADER);
    if (token !== undefined && tokens.some((t) => tokenEquals(token, t))) return next();
    if (signature !== undefined && secret && verifySignature(secret, Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0), signature)) return next();
    if (token === undefined && signature === undefined) {
      const field = tokens.length > 0 ? 'authorization' : SIGNATURE_HEADER;
      const ways = [...(tokens.length > 0 ? ['Authorization: Bearer <token>'] : []), ...(secret ? ['X-Rollwatch-Signature: sha256=<hex HMAC-SHA256 of the body>'] : [])];
      res.status(401).set(tokens.length > 0 ? { 'WWW-Authenticate': 'Bearer realm="rollwatch"' } : {}).json({ error: `missing credentials: send ${ways.join(' or ')}`, field });
      return;
    }
    const field = token !== undefined && tokens.length > 0 ? 'authorization' : SIGNATURE_HEADER;
    res.status(403).json({ error: field === 'authorization' ? 'invalid bearer token' : 'X-Rollwatch-Signature does not match the body', field });
  };
}
