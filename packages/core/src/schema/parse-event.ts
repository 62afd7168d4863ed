import { createHash } from 'node:crypto';
import { canonicalJson, validateEvent, type ParseResult, type RollwatchEvent } from '@rollwatch/contract';

/**
 * Validates and normalises one event (`validateEvent` of the contract) and gives an event sent
 * without `id` its content-derived id. Here, not in the contract, because the hash is Node's.
 */
export function parseEvent(input: unknown): ParseResult {
  const result = validateEvent(input);
  if (!result.ok) return result;
  const { id, ...rest } = result.event;
  return { ok: true, event: { ...rest, id: id ?? deriveEventId(rest) } };
}

/** Idempotency key derived from content, so a re-sent event without `id` is stored once. */
export function deriveEventId(event: Omit<RollwatchEvent, 'id'>): string {
  return createHash('sha256').update(canonicalJson(event)).digest('hex').slice(0, 32);
}
