import { rolloutKey, type RollwatchEvent } from '@rollwatch/core';

/** One analysed (rollout, revision): its key is what the engine, tracker and alerts know it by. */
export interface RevisionEntry {
  key: string;
  rollout: string;
  revision?: string;
  /** Event time (ms) of its earliest event: the newest revision is the one that started last. */
  firstEventMs: number;
  /** Wall clock (ms) when this replica first saw it (Flagger checksum binding). */
  firstSeenMs: number;
  /** Where an actuator finds it, observed on its Kubernetes events (never guessed). */
  namespace?: string;
  target?: string;
}

interface ChecksumBinding {
  firstSeenMs: number;
  key?: string;
}

const FLAGGER_PRIMARY_SUFFIX = '-primary';

/**
 * Which revisions of each rollout this replica has seen, so the API can answer for "the rollout"
 * (its newest revision) or for an explicit `?revision=`, and Flagger's `checksum` can be tied to one.
 * In memory: rebuilt from the stored events at start-up like the engine.
 */
export class RevisionIndex {
  private readonly byKey = new Map<string, RevisionEntry>();
  private readonly byRollout = new Map<string, Set<string>>();
  private readonly checksums = new Map<string, Map<string, ChecksumBinding>>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Records the events' (rollout, revision) pairs. Returns the keys of pairs seen for the first time. */
  observe(events: readonly RollwatchEvent[]): string[] {
    const fresh: string[] = [];
    for (const event of events) {
      const key = rolloutKey(event.rollout, event.revision);
      const time = Date.parse(event.time);
      let entry = this.byKey.get(key);
      if (!entry) {
        entry = { key, rollout: event.rollout, ...(event.revision ? { revision: event.revision } : {}), firstEventMs: time, firstSeenMs: this.now() };
        this.byKey.set(key, entry);
        const keys = this.byRollout.get(event.rollout) ?? new Set<string>();
        keys.add(key);
        this.byRollout.set(event.rollout, keys);
        fresh.push(key);
      } else if (time < entry.firstEventMs) {
        entry.firstEventMs = time;
      }
      const labels = event.labels ?? {};
      const namespace = labels['k8s.namespace'];
      const workload = labels['rollwatch.io/argo-rollout'] ?? labels['rollwatch.io/workload'];
      if (namespace && !entry.namespace) entry.namespace = namespace;
      if (workload && !entry.target) entry.target = workload.endsWith(FLAGGER_PRIMARY_SUFFIX) ? workload.slice(0, -FLAGGER_PRIMARY_SUFFIX.length) : workload;
    }
    return fresh;
  }

  get(key: string): RevisionEntry | undefined {
    return this.byKey.get(key);
  }

  /** A rollout's revisions, newest (latest first event) first. */
  revisions(rollout: string): RevisionEntry[] {
    return [...(this.byRollout.get(rollout) ?? [])]
      .map((key) => this.byKey.get(key)!)
      .sort((a, b) => b.firstEventMs - a.firstEventMs || b.firstSeenMs - a.firstSeenMs || a.key.localeCompare(b.key));
  }

  /**
   * The key an API path means: an exact key as given, else `<id>@<revision>` with `?revision=`,
   * else the id's newest revision, else the id itself (a rollout this replica has not seen).
   */
  resolve(id: string, revision?: string): string {
    if (revision) return rolloutKey(id, revision);
    if (this.byKey.has(id) && !this.byRollout.has(id)) return id;
    return this.revisions(id)[0]?.key ?? id;
  }

  /** Labels an actuator needs, from what the events showed (`rollwatch.io/namespace`, `rollwatch.io/target`). */
  observedLabels(key: string): Record<string, string> {
    const entry = this.byKey.get(key);
    return {
      ...(entry?.namespace ? { 'rollwatch.io/namespace': entry.namespace } : {}),
      ...(entry?.target ? { 'rollwatch.io/target': entry.target } : {}),
    };
  }

  /** The entries of these keys (kept in a partition checkpoint). */
  entries(keys: readonly string[]): RevisionEntry[] {
    const found: RevisionEntry[] = [];
    for (const key of keys) {
      const entry = this.byKey.get(key);
      if (entry) found.push({ ...entry });
    }
    return found;
  }

  /** Restores entries a checkpoint kept (events after it are observed as usual); known keys win. */
  restore(entries: readonly unknown[]): void {
    for (const raw of entries) {
      const entry = raw as Partial<RevisionEntry> | null;
      if (!entry || typeof entry.key !== 'string' || typeof entry.rollout !== 'string' || typeof entry.firstEventMs !== 'number' || this.byKey.has(entry.key)) continue;
      this.byKey.set(entry.key, {
        key: entry.key,
        rollout: entry.rollout,
        ...(typeof entry.revision === 'string' ? { revision: entry.revision } : {}),
        firstEventMs: entry.firstEventMs,
        firstSeenMs: typeof entry.firstSeenMs === 'number' ? entry.firstSeenMs : this.now(),
        ...(typeof entry.namespace === 'string' ? { namespace: entry.namespace } : {}),
        ...(typeof entry.target === 'string' ? { target: entry.target } : {}),
      });
      const keys = this.byRollout.get(entry.rollout) ?? new Set<string>();
      keys.add(entry.key);
      this.byRollout.set(entry.rollout, keys);
    }
  }

  forget(key: string): void {
    const entry = this.byKey.get(key);
    if (!entry) return;
    this.byKey.delete(key);
    const keys = this.byRollout.get(entry.rollout);
    keys?.delete(key);
    if (keys && keys.size === 0) this.byRollout.delete(entry.rollout);
  }

  /**
   * Flagger names a release by `checksum` (a hash of the Canary's applied spec, not of any pod), so
   * the first time a checksum is seen it is tied to the rollout's newest revision that fits: seen no
   * earlier than `windowMs` before the checksum, not tied to another checksum, and, when the checksum
   * replaced an earlier one, not already judged no-go before it appeared (that no-go belongs to the
   * earlier release: Flagger only sends a new checksum for a new spec). Until such a revision shows
   * up the answer is undefined: pending, so the rollback hook of a new release never fires on its
   * predecessor's no-go. Bindings live in memory: after a restart the first checksum seen binds anew.
   */
  bindChecksum(rollout: string, checksum: string, windowMs: number, noGoBefore: (key: string, ms: number) => boolean): string | undefined {
    const bindings = this.checksums.get(rollout) ?? new Map<string, ChecksumBinding>();
    this.checksums.set(rollout, bindings);
    let binding = bindings.get(checksum);
    if (!binding) {
      binding = { firstSeenMs: this.now() };
      bindings.set(checksum, binding);
    }
    if (binding.key) return binding.key;
    const taken = new Set([...bindings.values()].map((b) => b.key).filter((k): k is string => k !== undefined));
    const since = binding.firstSeenMs - windowMs;
    const seenAt = binding.firstSeenMs;
    // Only a checksum that replaced an earlier one is a new release; the first one seen may well be
    // the release that already failed (Flagger's first call can come after rollwatch's no-go).
    const replacesEarlier = [...bindings.entries()].some(([other, b]) => other !== checksum && b.firstSeenMs < seenAt);
    const candidate = this.revisions(rollout).find((r) => !taken.has(r.key) && r.firstSeenMs >= since && !(replacesEarlier && noGoBefore(r.key, seenAt)));
    if (candidate) binding.key = candidate.key;
    return binding.key;
  }
}

/** The engine analyses each (rollout, revision) on its own: it sees the rollout key as the rollout. */
export function analysisEvent(event: RollwatchEvent): RollwatchEvent {
  return event.revision ? { ...event, rollout: rolloutKey(event.rollout, event.revision) } : event;
}
