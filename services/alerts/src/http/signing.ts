import { createHmac } from 'node:crypto';
import { ValidationError } from '@rollwatch/core';

export interface SignedHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/** The HMAC key of a Standard Webhooks secret: the base64 after `whsec_`. */
export function secretKey(secret: string): Buffer {
  const match = /^whsec_([A-Za-z0-9+/=]+)$/.exec(secret);
  if (!match) throw new ValidationError('ALERTS_WEBHOOK_SECRET', 'must look like whsec_<base64>');
  const key = Buffer.from(match[1]!, 'base64');
  if (key.length < 16) throw new ValidationError('ALERTS_WEBHOOK_SECRET', 'key must be at least 16 bytes (24 base64 characters)');
  return key;
}

/**
 * Standard Webhooks signature (https://www.standardwebhooks.com): `v1,<base64 HMAC-SHA256 of
 * "<id>.<timestamp>.<body>">`. `id` stays the same across retries so receivers can dedupe.
 */
export function signWebhook(key: Buffer, id: string, timestampSeconds: number, body: string): SignedHeaders {
  const signature = createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64');
  return { 'webhook-id': id, 'webhook-timestamp': String(timestampSeconds), 'webhook-signature': `v1,${signature}` };
}

/** Headers for one signed delivery; without a secret only the id (receivers still dedupe). */
export function webhookHeaders(key: Buffer | undefined, id: string, body: string, now = Date.now()): Record<string, string> {
  const base = { 'content-type': 'application/json', 'idempotency-key': id, 'user-agent': 'rollwatch-alerts' };
  if (!key) return { ...base, 'webhook-id': id };
  return { ...base, ...signWebhook(key, id, Math.floor(now / 1000), body) };
}
