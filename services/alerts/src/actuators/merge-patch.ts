type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(value: unknown): value is Record<string, Json> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Pure: the RFC 7386 merge patch that turns `from` into exactly `to` (keys only in `from` become
 * null, arrays and scalars are replaced). A plain `{spec:{template: to}}` patch would keep labels
 * and annotations that exist only in the current template, so a rollback would not be exact.
 * Returns undefined when nothing differs.
 */
export function mergePatchBetween(from: unknown, to: unknown): Json | undefined {
  if (!isObject(from) || !isObject(to)) {
    return JSON.stringify(from) === JSON.stringify(to) ? undefined : (to as Json);
  }
  const patch: Record<string, Json> = {};
  for (const key of Object.keys(from)) {
    if (!(key in to)) patch[key] = null;
  }
  for (const [key, value] of Object.entries(to)) {
    const sub = mergePatchBetween(from[key], value);
    if (sub !== undefined) patch[key] = sub;
  }
  return Object.keys(patch).length ? patch : undefined;
}

/** Applies a merge patch (RFC 7386), for tests and for the fake API server. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const result: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}
