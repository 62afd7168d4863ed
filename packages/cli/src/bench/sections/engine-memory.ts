// Memory per tracked rollout: heapUsed of one analysis engine (the detector's in-memory state)
// holding N rollouts of synthetic events, after forced GC, minus the empty engine's. Baseline: the
// size of those events as JSON (what the state would weigh if it simply kept them).
import type { RollwatchEvent } from '@rollwatch/core';
import { createEngine } from '@rollwatch/analysis';
import { settledHeapUsed } from '../machine.js';
import { round } from '../stats.js';

export interface EngineMemoryResult {
  rollouts: number;
  eventsPerRollout: number;
  heapDeltaMb: number;
  bytesPerRollout: number;
  /** JSON bytes of one rollout's events (the baseline). */
  eventJsonBytesPerRollout: number;
  /** bytesPerRollout / eventJsonBytesPerRollout. */
  ratioToEventJson: number;
  ingestSeconds: number;
  evaluateSeconds: number;
  /**
   * The same rollouts once finished and packed (`engine.pack`, as the detector's checkpointer
   * holds settled ones): JSON text beside a head until read.
   */
  packedBytesPerRollout: number;
  gcForced: boolean;
}

export const SYNTHETIC_MINUTES = 5;
const INSTANCES = [
  ['canary', 3],
  ['baseline', 3],
] as const;

/** One rollout: 3 canary + 3 baseline instances, 5 minutes of per-minute metrics, plus starts. */
export function syntheticRollout(index: number, startMs: number): RollwatchEvent[] {
  const rollout = `bench-${index}`;
  const events: RollwatchEvent[] = [];
  let n = 0;
  const push = (e: Omit<RollwatchEvent, 'id' | 'rollout'>): void => {
    events.push({ id: `${rollout}-${n++}`, rollout, service: 'bench', ...e });
  };
  for (const [group, count] of INSTANCES) {
    for (let i = 0; i < count; i++) {
      const instance = `${rollout}-${group}-${i}`;
      push({ time: new Date(startMs).toISOString(), group, type: 'container_start', instance, version: group === 'canary' ? '2.0.0' : '1.9.0' });
      for (let m = 0; m < SYNTHETIC_MINUTES; m++) {
        const time = new Date(startMs + m * 60_000 + 1_000 * (i + 1)).toISOString();
        const wobble = ((index * 31 + i * 7 + m * 13) % 17) / 17;
        push({ time, group, type: 'metric', instance, metric: 'http_requests_total', value: 600 + Math.round(wobble * 40) });
        push({ time, group, type: 'metric', instance, metric: 'http_errors_total', value: Math.round(wobble * 6) });
        push({ time, group, type: 'metric', instance, metric: 'latency_ms', value: 100 + wobble * 20 });
        push({ time, group, type: 'metric', instance, metric: 'cpu_ratio', value: 0.3 + wobble * 0.1 });
      }
    }
  }
  return events;
}

export function measureEngineMemory(rollouts: number, startMs = Date.now() - 3_600_000): EngineMemoryResult {
  const before = settledHeapUsed();
  const engine = createEngine();
  const empty = settledHeapUsed();
  let jsonBytes = 0;
  let eventsPerRollout = 0;
  const t0 = process.hrtime.bigint();
  for (let r = 0; r < rollouts; r++) {
    const events = syntheticRollout(r, startMs);
    if (r === 0) {
      eventsPerRollout = events.length;
      jsonBytes = Buffer.byteLength(JSON.stringify(events)) ;
    }
    engine.ingest(events);
  }
  const t1 = process.hrtime.bigint();
  // The detector evaluates what it tracks; evaluation caches (looks) are part of the footprint.
  for (let r = 0; r < rollouts; r++) engine.evaluate(`bench-${r}`);
  const t2 = process.hrtime.bigint();
  const full = settledHeapUsed();
  const delta = full.heapUsed - empty.heapUsed;
  if (engine.rollouts().length !== rollouts) throw new Error(`engine tracks ${engine.rollouts().length} rollouts, expected ${rollouts}`);
  const bytesPerRollout = delta / rollouts;
  // Finished by now (5 minutes of events an hour ago): packed as the detector's checkpointer does.
  const ids = Array.from({ length: rollouts }, (_, r) => `bench-${r}`);
  if (engine.pack(ids, Date.now()) !== rollouts) throw new Error('engine-memory bench: every synthetic rollout should be finished and packed');
  const packed = settledHeapUsed();
  return {
    rollouts,
    eventsPerRollout,
    heapDeltaMb: round(delta / 1024 ** 2, 1),
    bytesPerRollout: Math.round(bytesPerRollout),
    eventJsonBytesPerRollout: jsonBytes,
    ratioToEventJson: round(bytesPerRollout / jsonBytes, 2),
    ingestSeconds: round(Number(t1 - t0) / 1e9, 2),
    evaluateSeconds: round(Number(t2 - t1) / 1e9, 2),
    packedBytesPerRollout: Math.round((packed.heapUsed - empty.heapUsed) / rollouts),
    gcForced: before.gcForced && full.gcForced,
  };
}
