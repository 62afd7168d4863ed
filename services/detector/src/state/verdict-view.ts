import { randomUUID } from 'node:crypto';
import { REVISION_SEPARATOR, TOPICS, splitRolloutKey, verdictSchema, type Bus, type ConsumedMessage, type Logger, type Subscription, type Verdict } from '@rollwatch/core';

/**
 * The latest verdict of every rollout key, materialised from the compacted `rollwatch.verdicts`
 * topic, so a replica answers for rollouts another replica owns without asking Elasticsearch.
 * Bounded: past `maxKeys`, the least recently updated key is dropped (a miss then falls back to the
 * store). Pure (no I/O): `apply` is fed the topic's messages by `subscribeVerdictView`.
 */
export class VerdictView {
  /** key → latest verdict; Map order = least recently updated first (re-inserted on update). */
  private readonly latest = new Map<string, Verdict>();
  /** rollout id → its keys (one per revision) with the time each was first seen here. */
  private readonly keysOf = new Map<string, Map<string, number>>();
  private dropped = 0;
  /** Told each verdict that is new here (a key's first, or a higher sequence): the SSE stream. */
  private readonly listeners = new Set<(verdict: Verdict) => void>();

  constructor(private readonly maxKeys: number) {}

  /** Whether the view is on (DETECTOR_VERDICT_VIEW_MAX > 0). */
  get enabled(): boolean {
    return this.maxKeys > 0;
  }

  get size(): number {
    return this.latest.size;
  }

  /** Keys dropped to stay within the bound (a miss may then be a dropped key, not an unknown one). */
  get evicted(): number {
    return this.dropped;
  }

  /**
   * One message of the topic: a verdict replaces the key's if its sequence is not older (an owner's
   * sequences only grow; a replayed older copy never wins); a tombstone (empty value) removes the key.
   * Returns false for a message that is not a verdict (ignored).
   */
  apply(key: string, value: string): boolean {
    if (this.maxKeys <= 0) return false;
    if (value === '') {
      this.remove(key);
      return true;
    }
    let verdict: Verdict;
    try {
      const parsed = verdictSchema.safeParse(JSON.parse(value));
      if (!parsed.success) return false;
      verdict = parsed.data;
    } catch {
      return false;
    }
    this.record(verdict);
    return true;
  }

  /**
   * A verdict this replica published itself: recorded at once, so its own stream does not wait for
   * the topic to bring it back (the copy read later has the same sequence and is not news).
   */
  record(verdict: Verdict): void {
    if (this.maxKeys <= 0) return;
    const current = this.latest.get(verdict.rollout);
    if (current && current.sequence > verdict.sequence) return;
    const news = !current || current.sequence < verdict.sequence;
    this.latest.delete(verdict.rollout);
    this.latest.set(verdict.rollout, verdict);
    const id = rolloutIdOf(verdict);
    const keys = this.keysOf.get(id) ?? new Map<string, number>();
    if (!keys.has(verdict.rollout)) keys.set(verdict.rollout, Date.parse(verdict.evaluatedAt) || 0);
    this.keysOf.set(id, keys);
    while (this.latest.size > this.maxKeys) {
      const oldest = this.latest.keys().next().value as string;
      this.remove(oldest);
      this.dropped++;
    }
    if (news) for (const listener of this.listeners) listener(verdict);
  }

  /** Calls `listener` with every verdict that is news here (see `record`); returns the unsubscribe. */
  onChange(listener: (verdict: Verdict) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The latest verdict of every key held, least recently updated first. */
  all(): IterableIterator<Verdict> {
    return this.latest.values();
  }

  get(key: string): Verdict | undefined {
    return this.latest.get(key);
  }

  /**
   * The key an id means here when this replica has not seen its events: the id itself if it has
   * verdicts of its own, else its revision seen first most recently (the newest release).
   */
  newestKey(id: string): string | undefined {
    const keys = this.keysOf.get(id);
    if (!keys) return undefined;
    if (keys.has(id) && keys.size === 1) return id;
    let best: [string, number] | undefined;
    for (const entry of keys) if (!best || entry[1] > best[1] || (entry[1] === best[1] && entry[0] > best[0])) best = entry;
    return best?.[0];
  }

  /** The rollout id of a key this view holds. */
  idOf(key: string): string | undefined {
    const verdict = this.latest.get(key);
    return verdict ? rolloutIdOf(verdict) : undefined;
  }

  /** Whether the id has any revision here (the Flagger endpoints' "known rollout"). */
  knows(id: string): boolean {
    return this.keysOf.has(id);
  }

  private remove(key: string): void {
    const verdict = this.latest.get(key);
    if (!verdict) return;
    this.latest.delete(key);
    const id = rolloutIdOf(verdict);
    const keys = this.keysOf.get(id);
    keys?.delete(key);
    if (keys?.size === 0) this.keysOf.delete(id);
  }
}

/** The rollout id of a verdict's key (`<id>@<revision>` when it names a revision). */
export function rolloutIdOf(verdict: Verdict): string {
  if (verdict.revision === undefined) return verdict.rollout;
  const suffix = `${REVISION_SEPARATOR}${verdict.revision}`;
  return verdict.rollout.endsWith(suffix) ? verdict.rollout.slice(0, -suffix.length) : splitRolloutKey(verdict.rollout).rollout;
}

/**
 * Feeds the view from the start of `rollwatch.verdicts` with a consumer group of this process's own
 * (every replica reads every verdict; a restart reads the compacted topic again, so the view is
 * complete without a local store). Returns the subscription and a per-message hook for tests.
 */
export async function subscribeVerdictView(options: { bus: Bus; view: VerdictView; groupPrefix: string; logger: Logger }): Promise<Subscription> {
  const { bus, view, logger } = options;
  let skipped = 0;
  return bus.subscribe({
    topics: [TOPICS.verdicts],
    groupId: `${options.groupPrefix}.verdict-view.${randomUUID()}`,
    fromBeginning: true,
    handler: async (batch: ConsumedMessage[]) => {
      for (const message of batch) {
        if (!view.apply(message.key, message.value)) skipped++;
      }
      if (skipped > 0) {
        logger.warn({ skipped }, 'verdict view skipped messages that are not verdicts');
        skipped = 0;
      }
    },
  });
}
