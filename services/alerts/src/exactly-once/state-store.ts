import { retryThrowing, type Store, type StoreDoc } from '@rollwatch/core';
import { emptyState, type RolloutState } from '../policy/types.js';

export const STATE_INDEX = 'rollwatch-alerts-state';
const RETRY = { maxAttempts: 5, initialDelayMs: 100, maxDelayMs: 2000, deadlineMs: 15_000 };

/**
 * Per-rollout state, durable in the store (read by id, which Elasticsearch serves in real time),
 * cached in memory. The verdict itself is stored as JSON text so its labels never touch a mapping.
 */
export class RolloutStateStore {
  private readonly cache = new Map<string, RolloutState>();
  constructor(
    private readonly store: Store,
    private readonly maxCached = 10_000,
    /** Told every saved state (the Alertmanager resender tracks which alerts are open). */
    private readonly onSave?: (state: RolloutState) => void,
  ) {}

  /** States whose last decision was not go: the only ones that can have an open alert. */
  async unresolved(limit = 10_000): Promise<RolloutState[]> {
    // Filtered here, not in the query: this index has no explicit mapping (lastDecision may be a text field).
    const found = await retryThrowing(() => this.store.search(STATE_INDEX, { size: limit }), RETRY);
    return found.hits
      .filter((doc) => typeof doc.state === 'string' && doc.lastDecision !== 'go')
      .map((doc) => JSON.parse(doc.state as string) as RolloutState);
  }

  async load(rollout: string): Promise<RolloutState> {
    const cached = this.cache.get(rollout);
    if (cached) return structuredClone(cached);
    const doc = await retryThrowing(() => this.store.get(STATE_INDEX, rollout), RETRY);
    const state = doc && typeof doc.state === 'string' ? (JSON.parse(doc.state) as RolloutState) : emptyState(rollout);
    this.remember(state);
    return structuredClone(state);
  }

  async save(state: RolloutState): Promise<void> {
    const doc: StoreDoc = { id: state.rollout, rollout: state.rollout, lastSequence: state.lastSequence, lastDecision: state.lastDecision, state: JSON.stringify(state), updatedAt: new Date().toISOString() };
    await retryThrowing(() => this.store.put(STATE_INDEX, [doc]), RETRY);
    this.remember(state);
    this.onSave?.(state);
  }

  private remember(state: RolloutState): void {
    this.cache.delete(state.rollout);
    this.cache.set(state.rollout, structuredClone(state));
    if (this.cache.size > this.maxCached) this.cache.delete(this.cache.keys().next().value as string);
  }
}
