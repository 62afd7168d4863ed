import { readFileSync } from 'node:fs';
import type { Node, Pod, Rollout } from '../types.js';

export interface RecordedRevision {
  rollouts: Rollout[];
  pods: Pod[];
  deletedPods?: Pod[];
  oomKilled: Pod[];
}

export interface RecordedCluster {
  recordedAt: string;
  description: string;
  nodes: Node[];
  revisionA: RecordedRevision;
  revisionB: RecordedRevision;
}

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/** Moves every timestamp by the same offset, so the recording's latest moment is `endsAt`. */
function shift(value: unknown, offsetMs: number): unknown {
  if (typeof value === 'string') return TIMESTAMP.test(value) ? new Date(Date.parse(value) + offsetMs).toISOString().replace(/\.\d{3}Z$/, 'Z') : value;
  if (Array.isArray(value)) return value.map((v) => shift(v, offsetMs));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shift(v, offsetMs)]));
  return value;
}

/**
 * Loads `recorded/<name>.json` (objects as the apiserver returned them) with its clock moved so the
 * recording ends `endsAgoMs` before now: the source's first-sighting lookback then treats it as live.
 */
export function loadRecordedCluster(name: string, spanMs = 700_000, endsAgoMs = 0): RecordedCluster {
  // Compiled tests run from dist/, the recordings stay in src/.
  const url = new URL(`../../../../src/sources/kubernetes/testing/recorded/${name}.json`, import.meta.url);
  const raw = JSON.parse(readFileSync(url, 'utf8')) as RecordedCluster;
  const offset = Date.now() - endsAgoMs - spanMs - Date.parse(raw.recordedAt);
  return shift(raw, offset) as RecordedCluster;
}
