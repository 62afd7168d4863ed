import { INDICES, errorMessage, verdictSchema, type Logger, type RollwatchEvent, type Store, type Verdict } from '@rollwatch/core';
import type { AnalysisEngine } from '@rollwatch/analysis';
import { analysisEvent } from './revisions.js';
import type { SpecRegistry } from './specs.js';

export interface RebuildOptions {
  engine: AnalysisEngine;
  store: Store;
  specs: SpecRegistry;
  logger: Logger;
  /** Events older than this (event time, ms) are not replayed. */
  sinceMs: number;
  maxEvents: number;
  pageSize?: number;
  /** Told each page of stored events before the engine sees them (the revision index). */
  beforeAnalysis?: (events: RollwatchEvent[]) => void;
  /** Only events consumed from these `rollwatch.events` partitions (a replica restores what it owns). */
  partitions?: number[];
  /** Told each page's rollouts and partitions before they are ingested (mark them restoring). */
  onPage?: (placements: Map<string, number>) => void;
}

export interface RebuildReport {
  specs: number;
  events: number;
  rollouts: string[];
  /** Partition of each restored rollout (from its stored events). */
  placements: Map<string, number>;
  truncated: boolean;
  durationMs: number;
}

/** Fields of the stored event document that are not part of event v1. */
const STORAGE_ONLY_FIELDS = ['receivedAt', 'templateId', 'partition', 'offset'];

/**
 * Rebuilds engine state after a restart from what the store already holds: registered specs, then
 * recent events in event-time order. The engine is deterministic and ignores duplicate ids, so the
 * consumer re-delivering uncommitted messages afterwards is harmless and verdicts come out equal.
 */
export async function rebuildFromStore(options: RebuildOptions): Promise<RebuildReport> {
  const started = Date.now();
  const { engine, store, specs, logger } = options;
  const registered = await specs.sync();
  for (const spec of registered) registerSafely(engine, spec, logger);
  const placements = new Map<string, number>();
  if (options.partitions?.length === 0) return { specs: registered.length, events: 0, rollouts: [], placements, truncated: false, durationMs: Date.now() - started };

  const pageSize = options.pageSize ?? 5000;
  let cursor = new Date(options.sinceMs).toISOString();
  let skip = 0;
  let loaded = 0;
  let truncated = false;
  while (options.maxEvents > 0) {
    const size = Math.min(pageSize, options.maxEvents - loaded);
    if (size <= 0) {
      truncated = true;
      break;
    }
    const page = await store.search(INDICES.events, {
      ...(options.partitions ? { filters: { partition: options.partitions } } : {}),
      range: { field: 'time', gte: cursor },
      sort: [
        { field: 'time', order: 'asc' },
        { field: 'id', order: 'asc' },
      ],
      from: skip,
      size,
    });
    if (page.hits.length === 0) break;
    const events = page.hits.map(toEvent);
    const analysed = events.map(analysisEvent);
    // Placements are per engine key (`<id>@<revision>`): ownership and restoring follow the revision.
    const pagePlacements = new Map<string, number>();
    page.hits.forEach((hit, i) => {
      if (typeof hit.partition === 'number') pagePlacements.set(analysed[i]!.rollout, hit.partition);
    });
    options.onPage?.(pagePlacements);
    for (const [rollout, partition] of pagePlacements) placements.set(rollout, partition);
    options.beforeAnalysis?.(events);
    ingestSafely(options.engine, analysed, logger);
    loaded += page.hits.length;
    // Page on (time, id): continue from the last time, skipping the documents already seen at it.
    const lastTime = String(page.hits[page.hits.length - 1]!.time);
    const atLast = page.hits.filter((h) => String(h.time) === lastTime).length;
    skip = lastTime === cursor ? skip + atLast : atLast;
    cursor = lastTime;
    if (page.hits.length < size) break;
  }
  const rollouts = options.partitions ? [...placements.keys()] : engine.rollouts().map((r) => r.rollout);
  const report = { specs: registered.length, events: loaded, rollouts, placements, truncated, durationMs: Date.now() - started };
  logger.info({ specs: report.specs, events: loaded, rollouts: rollouts.length, partitions: options.partitions, truncated, durationMs: report.durationMs }, 'state rebuilt from store');
  return report;
}

function toEvent(doc: Record<string, unknown>): RollwatchEvent {
  const event = { ...doc };
  for (const field of STORAGE_ONLY_FIELDS) delete event[field];
  return event as unknown as RollwatchEvent;
}

/**
 * Like the live consumer: a stored event the engine rejects is skipped (and logged), never allowed
 * to stop the detector from starting.
 */
function ingestSafely(engine: AnalysisEngine, events: RollwatchEvent[], logger: Logger): void {
  try {
    engine.ingest(events);
    return;
  } catch (error) {
    logger.error({ err: errorMessage(error) }, 'engine rejected a page of stored events; ingesting one by one');
  }
  for (const event of events) {
    try {
      engine.ingest([event]);
    } catch (error) {
      logger.error({ id: event.id, rollout: event.rollout, err: errorMessage(error) }, 'stored event skipped on rebuild: the engine rejected it');
    }
  }
}

export function registerSafely(engine: AnalysisEngine, spec: Parameters<AnalysisEngine['register']>[0], logger: Logger): boolean {
  try {
    engine.register(spec);
    return true;
  } catch (error) {
    logger.error({ rollout: spec.id, err: errorMessage(error) }, 'stored rollout registration rejected by the engine');
    return false;
  }
}

/** The verdict with the highest sequence stored for a rollout, so numbering continues after it. */
export async function lastStoredVerdict(store: Store, rollout: string): Promise<Verdict | undefined> {
  const result = await store.search(INDICES.verdicts, { filters: { rollout }, sort: [{ field: 'sequence', order: 'desc' }], size: 1 });
  const doc = result.hits[0];
  if (!doc) return undefined;
  const { id: _id, publishedAt: _publishedAt, ...rest } = doc;
  const parsed = verdictSchema.safeParse(rest);
  return parsed.success ? parsed.data : undefined;
}

/**
 * Replays one partition's stored events from `fromOffset` on, in offset order (what a checkpoint
 * does not cover yet). Returns how many were replayed, the next offset, and where rollouts live.
 */
export async function replayFromOffset(options: {
  engine: AnalysisEngine;
  store: Store;
  logger: Logger;
  partition: number;
  fromOffset: number;
  maxEvents: number;
  pageSize?: number;
  /** Told each page of stored events before the engine sees them (the revision index). */
  beforeAnalysis?: (events: RollwatchEvent[]) => void;
}): Promise<{ events: number; nextOffset: number; placements: Map<string, number> }> {
  const { engine, store, logger, partition } = options;
  const pageSize = options.pageSize ?? 5000;
  const placements = new Map<string, number>();
  let next = options.fromOffset;
  let events = 0;
  while (events < options.maxEvents) {
    const page = await store.search(INDICES.events, { filters: { partition }, range: { field: 'offset', gte: next }, sort: [{ field: 'offset', order: 'asc' }], size: Math.min(pageSize, options.maxEvents - events) });
    if (page.hits.length === 0) break;
    const stored = page.hits.map(toEvent);
    const analysed = stored.map(analysisEvent);
    for (const event of analysed) placements.set(event.rollout, partition);
    options.beforeAnalysis?.(stored);
    ingestSafely(engine, analysed, logger);
    events += page.hits.length;
    next = Number(page.hits[page.hits.length - 1]!.offset) + 1;
  }
  return { events, nextOffset: next, placements };
}
