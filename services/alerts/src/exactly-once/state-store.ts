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
  constructor(private readonly store: Store, private readonly maxCached = 10_000) {}

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
  }

  private remember(state: RolloutState): void {
    this.cache.delete(state.rollout);
    this.cache.set(state.rollout, structuredClone(state));
    if (this.cache.size > this.maxCached) this.cache.delete(this.cache.keys().next().value as string);
  }
}
