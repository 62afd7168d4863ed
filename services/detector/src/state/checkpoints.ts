import { INDICES, Pacer, errorMessage, retryThrowing, yieldToEventLoop, type Logger, type Store } from '@rollwatch/core';
import type { AnalysisEngine, SnapshotOptions } from '@rollwatch/analysis';
import type { PartitionOwnership } from './ownership.js';

/** One partition's checkpoint in `rollwatch-checkpoints`: the engine state of its rollouts and the offset it covers. */
export interface Checkpoint {
  id: string;
  group: string;
  partition: number;
  /** Next offset of the partition: every event before it is in the snapshot. */
  offset: number;
  rollouts: number;
  at: string;
  /** JSON of engine.snapshot(rollouts of the partition). */
  snapshot: string;
  /** The (rollout, revision) entries of the partition's rollouts (the revision index is not in the engine snapshot). */
  revisions?: unknown[];
  /** Rollouts whose verdict was final and published when the checkpoint was written (VerdictTracker.settled). */
  settled?: string[];
}

export interface CheckpointerOptions {
  store: Store;
  engine: AnalysisEngine;
  ownership: PartitionOwnership;
  group: string;
  logger: Logger;
  now: () => number;
  /** What else a checkpoint keeps per rollout key (the detector's revision index entries). */
  revisionsOf?: (rollouts: string[]) => unknown[];
  /** Which of the rollouts have a final, published verdict (a restore need not judge those again). */
  settledOf?: (rollouts: string[]) => string[];
  /**
   * Runs `work` while no consumer batch ingests into the engine (the detector's engine lock), so a
   * snapshot taken in chunks, with the event loop free in between, still matches its offset.
   */
  exclusive?: <T>(work: () => Promise<T>) => Promise<T>;
}

/** Most rollouts serialised per chunk of a partition's snapshot, between yields to the event loop. */
const SNAPSHOT_CHUNK = 200;
/** Time a chunk aims at: slower chunks shrink the next one (down to one rollout), faster ones grow it. */
const SNAPSHOT_SLICE_MS = 20;

/**
 * Periodic snapshots of each owned partition's engine state, tagged with the partition offset the
 * state covers, so a restore is the last snapshot plus a replay of the events after that offset
 * (start-up time stays flat as history grows). The offset and the snapshot are read in one
 * synchronous step: the engine cannot ingest in between, so they always match.
 */
export class Checkpointer {
  /** Next offset each partition's events have been ingested up to. */
  private readonly ingested = new Map<number, number>();
  /** Offset of the last checkpoint written per partition (skip unchanged partitions). */
  private readonly saved = new Map<number, number>();

  constructor(private readonly options: CheckpointerOptions) {}

  noteIngested(partition: number, nextOffset: number): void {
    if ((this.ingested.get(partition) ?? -1) < nextOffset) this.ingested.set(partition, nextOffset);
  }

  /** A restored partition starts where its checkpoint (or the replay) left off. */
  restoredTo(partition: number, nextOffset: number): void {
    this.noteIngested(partition, nextOffset);
    this.saved.set(partition, nextOffset);
  }

  forget(partitions: number[]): void {
    for (const p of partitions) {
      this.ingested.delete(p);
      this.saved.delete(p);
    }
  }

  /** Writes a checkpoint for every owned, restored partition that ingested something, or whose rollouts settled, since the last one. */
  async checkpoint(): Promise<number> {
    const { engine, ownership, group, now } = this.options;
    const docs: Checkpoint[] = [];
    const exclusive = this.options.exclusive ?? (<T>(work: () => Promise<T>) => work());
    for (const partition of ownership.ownedPartitions()) {
      const doc = await exclusive(async () => {
        const offset = this.ingested.get(partition);
        if (offset === undefined || ownership.isRestoringPartition(partition)) return undefined;
        const rollouts = ownership.rolloutsIn(partition);
        const settled = this.options.settledOf?.(rollouts);
        // Settled rollouts (final verdict published) are packed in memory too: serialised once,
        // held as JSON text until read, and written back as they are by every later checkpoint.
        const newlyPacked = settled ? await packPaced(engine, settled, now()) : 0;
        // Unchanged since the last checkpoint: no event ingested and no rollout settled since. A
        // partition that went quiet is written once more when its rollouts settle, so its
        // checkpoint lists them settled and packed (a restore then never judges them again).
        if (this.saved.get(partition) === offset && newlyPacked === 0) return undefined;
        // Rollouts finished by now go in packed (JSON text): a restore does not parse them.
        const snapshot = await chunkedSnapshot(engine, rollouts, { packFinishedAt: now() });
        return { id: checkpointId(group, partition), group, partition, offset, rollouts: rollouts.length, at: new Date(now()).toISOString(), snapshot, ...(this.options.revisionsOf ? { revisions: this.options.revisionsOf(rollouts) } : {}), ...(settled ? { settled } : {}) };
      });
      if (doc) docs.push(doc);
    }
    if (docs.length === 0) return 0;
    await retryThrowing(() => this.options.store.put(INDICES.checkpoints, docs as unknown as (Record<string, unknown> & { id: string })[]), { maxAttempts: 3, initialDelayMs: 200, maxDelayMs: 2000, deadlineMs: 10_000 });
    for (const d of docs) this.saved.set(d.partition, d.offset);
    return docs.length;
  }

  async load(partition: number): Promise<Checkpoint | undefined> {
    try {
      const doc = (await this.options.store.get(INDICES.checkpoints, checkpointId(this.options.group, partition))) as unknown as Checkpoint | undefined;
      return doc && typeof doc.snapshot === 'string' && Number.isInteger(doc.offset) ? doc : undefined;
    } catch (error) {
      this.options.logger.warn({ partition, err: errorMessage(error) }, 'checkpoint unreadable; restoring from the stored events instead');
      return undefined;
    }
  }
}

/**
 * engine.pack over many rollouts, a slice at a time with the event loop free in between (each
 * rollout is serialised: thousands that settled together held /healthz for half a second). The
 * caller keeps the engine from ingesting meanwhile.
 */
export async function packPaced(engine: Pick<AnalysisEngine, 'pack'>, rollouts: readonly string[], atMs: number): Promise<number> {
  const pacer = new Pacer();
  let packed = 0;
  for (let i = 0; i < rollouts.length; i += PACK_SLICE) {
    if (pacer.due()) await pacer.yieldNow();
    packed += engine.pack(rollouts.slice(i, i + PACK_SLICE), atMs);
  }
  return packed;
}

/** Rollouts packed between two looks at the pacer (a few milliseconds' work). */
const PACK_SLICE = 16;

export function checkpointId(group: string, partition: number): string {
  return `${group}:${partition}`;
}

/**
 * JSON of `engine.snapshot(rollouts)`, built a chunk of rollouts at a time with a yield to the event
 * loop after each chunk: tens of thousands of rollouts in one JSON.stringify held the detector (and
 * /healthz) for seconds. Chunks adapt to about SNAPSHOT_SLICE_MS each (one rollout with thousands
 * of instances is a chunk of its own). The caller keeps the engine from ingesting meanwhile. Same
 * document as one snapshot: the rollouts in the engine's (sorted) order, the other fields from the
 * last chunk, except `version`: the highest of any chunk (one with packed entries is version 3).
 */
export async function chunkedSnapshot(engine: Pick<AnalysisEngine, 'snapshot'>, rollouts: readonly string[], options: SnapshotOptions = {}): Promise<string> {
  const sorted = [...rollouts].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const parts: string[] = [];
  let rest: Record<string, unknown> = {};
  let version: number | undefined;
  let size = 16; // grows while chunks are quick
  for (let i = 0; i === 0 || i < sorted.length; ) {
    const started = performance.now();
    const chunk = sorted.slice(i, i + size);
    const snapshot = engine.snapshot(chunk, options) as Record<string, unknown>;
    if (!Array.isArray(snapshot.rollouts)) return JSON.stringify(engine.snapshot(sorted, options)); // not the chunkable shape
    if (typeof snapshot.version === 'number') version = Math.max(version ?? snapshot.version, snapshot.version);
    for (const entry of snapshot.rollouts) parts.push(JSON.stringify(entry));
    const { rollouts: _, ...others } = snapshot;
    rest = others;
    i += Math.max(1, chunk.length);
    const took = performance.now() - started;
    size = took > SNAPSHOT_SLICE_MS ? Math.max(1, Math.floor((size * SNAPSHOT_SLICE_MS) / took)) : Math.min(SNAPSHOT_CHUNK, size * 2);
    await yieldToEventLoop();
  }
  const head = JSON.stringify(version === undefined ? rest : { ...rest, version });
  return `${head.slice(0, -1)}${head.length > 2 ? ',' : ''}"rollouts":[${parts.join(',')}]}`;
}
