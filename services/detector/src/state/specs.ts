import { z } from 'zod';
import { retryThrowing, type FieldError, type Store, type StoreDoc } from '@rollwatch/core';
import type { RolloutSpec } from '@rollwatch/analysis';

/** Registered rollouts live in their own index so every replica (and a restart) sees them. */
export const ROLLOUTS_INDEX = 'rollwatch-rollouts';

const name = z.string().trim().min(1).max(256);
const count = z.number().int().min(0).max(100_000);

/** Body of POST /api/v1/rollouts. */
export const rolloutSpecInputSchema = z.strictObject({
  id: name.regex(/^[^\s?#]+$/, 'must not contain whitespace, "?" or "#"'),
  service: name.optional(),
  policy: z.union([name, z.record(z.string(), z.unknown())]).optional(),
  expectedInstances: z
    .union([count.transform((total) => ({ total })), z.strictObject({ canary: count.optional(), baseline: count.optional(), total: count.optional() })])
    .optional(),
  targetVersion: name.optional(),
  labels: z.record(z.string().min(1).max(256), z.string().max(4096)).optional(),
});

export type SpecParseResult = { ok: true; spec: RolloutSpec } | { ok: false; errors: FieldError[] };

export function parseRolloutSpec(body: unknown): SpecParseResult {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return { ok: false, errors: [{ field: 'body', message: 'body must be a JSON object' }] };
  }
  const result = rolloutSpecInputSchema.safeParse(body);
  if (!result.success) {
    return {
      ok: false,
      errors: result.error.issues.map((issue) => {
        if (issue.code === 'unrecognized_keys') return { field: issue.keys.join(','), message: `unknown field(s): ${issue.keys.join(', ')}` };
        const field = issue.path.map(String).join('.') || 'body';
        const missing = issue.code === 'invalid_type' && issue.input === undefined;
        return { field, message: missing ? `${field} is required` : `${field} ${issue.message}` };
      }),
    };
  }
  const spec: RolloutSpec = { id: result.data.id };
  if (result.data.service !== undefined) spec.service = result.data.service;
  if (result.data.policy !== undefined) spec.policy = result.data.policy;
  if (result.data.expectedInstances !== undefined) spec.expectedInstances = result.data.expectedInstances;
  if (result.data.targetVersion !== undefined) spec.targetVersion = result.data.targetVersion;
  if (result.data.labels !== undefined) spec.labels = result.data.labels;
  return { ok: true, spec };
}

/** Stored form: an inline policy is kept as a JSON string (arbitrary keys would bloat the mapping). */
export function specToDocument(spec: RolloutSpec, now: string, registeredAt = now): StoreDoc {
  const doc: StoreDoc = { id: spec.id, registeredAt, updatedAt: now };
  if (spec.service !== undefined) doc.service = spec.service;
  if (typeof spec.policy === 'string') doc.policyName = spec.policy;
  else if (spec.policy !== undefined) doc.policyJson = JSON.stringify(spec.policy);
  if (spec.expectedInstances !== undefined) doc.expectedInstances = spec.expectedInstances;
  if (spec.targetVersion !== undefined) doc.targetVersion = spec.targetVersion;
  if (spec.labels !== undefined) doc.labels = spec.labels;
  return doc;
}

export function documentToSpec(doc: StoreDoc): RolloutSpec {
  const spec: RolloutSpec = { id: doc.id };
  if (typeof doc.service === 'string') spec.service = doc.service;
  if (typeof doc.policyName === 'string') spec.policy = doc.policyName;
  else if (typeof doc.policyJson === 'string') spec.policy = JSON.parse(doc.policyJson) as Record<string, unknown>;
  if (doc.expectedInstances && typeof doc.expectedInstances === 'object') spec.expectedInstances = doc.expectedInstances as RolloutSpec['expectedInstances'];
  if (typeof doc.targetVersion === 'string') spec.targetVersion = doc.targetVersion;
  if (doc.labels && typeof doc.labels === 'object') spec.labels = doc.labels as Record<string, string>;
  return spec;
}

export interface RegisteredRollout {
  spec: RolloutSpec;
  registeredAt: string;
  updatedAt: string;
}

/** Registered rollout specs, mirrored from the store so all replicas converge. */
export class SpecRegistry {
  private readonly specs = new Map<string, RegisteredRollout>();
  private syncedUpTo = '';

  constructor(private readonly store: Store) {}

  get(id: string): RegisteredRollout | undefined {
    return this.specs.get(id);
  }

  has(id: string): boolean {
    return this.specs.has(id);
  }

  labelsFor(id: string): Record<string, string> | undefined {
    return this.specs.get(id)?.spec.labels;
  }

  /** Persists a registration; resolves whether it was new. */
  async save(spec: RolloutSpec, now = new Date().toISOString()): Promise<{ created: boolean; entry: RegisteredRollout }> {
    const existing = this.specs.get(spec.id) ?? (await this.load(spec.id));
    const registeredAt = existing?.registeredAt ?? now;
    await retryThrowing(() => this.store.put(ROLLOUTS_INDEX, [specToDocument(spec, now, registeredAt)]), { maxAttempts: 3, initialDelayMs: 100, maxDelayMs: 1000, deadlineMs: 5000 });
    const entry = { spec, registeredAt, updatedAt: now };
    this.specs.set(spec.id, entry);
    return { created: existing === undefined, entry };
  }

  private async load(id: string): Promise<RegisteredRollout | undefined> {
    const doc = await this.store.get(ROLLOUTS_INDEX, id);
    return doc ? { spec: documentToSpec(doc), registeredAt: String(doc.registeredAt), updatedAt: String(doc.updatedAt) } : undefined;
  }

  /**
   * Pulls registrations written since the last sync (by this or another replica). Returns the new or
   * changed specs so the caller can register them with the engine.
   */
  async sync(): Promise<RolloutSpec[]> {
    const changed: RolloutSpec[] = [];
    const pageSize = 1000;
    for (let page = 0; page < 10; page++) {
      const result = await this.store.search(ROLLOUTS_INDEX, {
        range: this.syncedUpTo ? { field: 'updatedAt', gte: this.syncedUpTo } : undefined,
        sort: [{ field: 'updatedAt', order: 'asc' }],
        from: page * pageSize,
        size: pageSize,
      });
      for (const doc of result.hits) {
        const known = this.specs.get(doc.id);
        const updatedAt = String(doc.updatedAt);
        if (updatedAt > this.syncedUpTo) this.syncedUpTo = updatedAt;
        if (known && known.updatedAt >= updatedAt) continue;
        const spec = documentToSpec(doc);
        this.specs.set(doc.id, { spec, registeredAt: String(doc.registeredAt), updatedAt });
        changed.push(spec);
      }
      if (result.hits.length < pageSize) break;
    }
    return changed;
  }
}
