import { randomUUID } from 'node:crypto';
import { retryThrowing, type Store } from '@rollwatch/core';
import { silenceActive, type Silence } from '../policy/silences.js';

export const SILENCES_INDEX = 'rollwatch-silences';
const RETRY = { maxAttempts: 5, initialDelayMs: 100, maxDelayMs: 2000, deadlineMs: 15_000 };
// Expired silences stay listed this long (like Alertmanager's retention), then drop out of the cache.
const KEEP_EXPIRED_MS = 5 * 24 * 60 * 60 * 1000;

/** Silences, durable in the store (they survive restarts) and cached for the hot path. */
export class SilenceStore {
  private readonly silences = new Map<string, Silence>();
  constructor(private readonly store: Store) {}

  /** Reloads from the store (other replicas may have added some); local writes win until they land there. */
  async refresh(now = new Date()): Promise<void> {
    const result = await retryThrowing(() => this.store.search(SILENCES_INDEX, { size: 10_000 }), RETRY);
    for (const doc of result.hits) {
      const silence = JSON.parse(String(doc.silence)) as Silence;
      const known = this.silences.get(silence.id);
      if (!known || (silence.expiredAt && !known.expiredAt)) this.silences.set(silence.id, silence);
    }
    for (const [id, s] of this.silences) {
      if (now.getTime() - Date.parse(s.expiredAt ?? s.endsAt) > KEEP_EXPIRED_MS) this.silences.delete(id);
    }
  }

  newId(): string {
    return randomUUID();
  }

  async save(silence: Silence): Promise<void> {
    await retryThrowing(
      () => this.store.put(SILENCES_INDEX, [{ id: silence.id, endsAt: silence.endsAt, createdBy: silence.createdBy, expiredAt: silence.expiredAt ?? null, silence: JSON.stringify(silence) }]),
      RETRY,
    );
    this.silences.set(silence.id, silence);
  }

  get(id: string): Silence | undefined {
    return this.silences.get(id);
  }

  /** Active ones for routing. */
  active(now = new Date()): Silence[] {
    return [...this.silences.values()].filter((s) => silenceActive(s, now));
  }

  /** Everything known, newest first, each with its state. */
  list(now = new Date()): (Silence & { state: 'active' | 'pending' | 'expired' })[] {
    return [...this.silences.values()]
      .map((s) => ({ ...s, state: silenceActive(s, now) ? ('active' as const) : !s.expiredAt && Date.parse(s.startsAt) > now.getTime() ? ('pending' as const) : ('expired' as const) }))
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }
}
