import { ValidationError } from '@rollwatch/core';
import type { Request } from 'express';

/** Query parameters arrive as string | string[] | object; anything but one string is a 400. */
export function queryString(req: Request, name: string): string | undefined {
  const value = req.query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new ValidationError(name, `${name} must be given once, as a plain string`);
  return value === '' ? undefined : value;
}

export function queryInt(req: Request, name: string, opts: { min: number; max: number; def?: number }): number | undefined {
  const raw = queryString(req, name);
  if (raw === undefined) return opts.def;
  if (!/^-?\d+$/.test(raw)) throw new ValidationError(name, `${name} must be an integer`);
  const value = Number(raw);
  if (value < opts.min || value > opts.max) throw new ValidationError(name, `${name} must be between ${opts.min} and ${opts.max}`);
  return value;
}

export function queryEnum<T extends string>(req: Request, name: string, allowed: readonly T[]): T | undefined {
  const raw = queryString(req, name);
  if (raw === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(raw)) throw new ValidationError(name, `${name} must be one of ${allowed.join(', ')}`);
  return raw as T;
}

const MAX_QUERY_TIME_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** RFC 3339 or epoch milliseconds → RFC 3339 UTC. */
export function queryTime(req: Request, name: string): string | undefined {
  const raw = queryString(req, name);
  if (raw === undefined) return undefined;
  const ms = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (!Number.isFinite(ms)) throw new ValidationError(name, `${name} must be an RFC 3339 time or epoch milliseconds`);
  // Beyond year 9999 a Date either throws on toISOString() or yields an extended-year string that
  // Elasticsearch's date fields reject: both would surface as a 500 instead of a 400.
  if (ms < 0 || ms > MAX_QUERY_TIME_MS) throw new ValidationError(name, `${name} must be between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z`);
  return new Date(ms).toISOString();
}

/** from/size pagination within Elasticsearch's default result window (from + size <= 10000). */
export function pagination(req: Request, defSize = 50): { from: number; size: number } {
  const size = queryInt(req, 'size', { min: 1, max: 1000, def: defSize })!;
  const from = queryInt(req, 'from', { min: 0, max: 10_000, def: 0 })!;
  if (from + size > 10_000) throw new ValidationError('from', 'from + size must not exceed 10000; narrow the query with since/until instead');
  return { from, size };
}

export function routeParam(req: Request, name: string): string {
  const value = req.params[name];
  if (typeof value !== 'string' || value.length === 0 || value.length > 256) throw new ValidationError(name, `${name} must be 1-256 characters`);
  return value;
}
