import { INDICES, type Logger, type Store } from '@rollwatch/core';
import { applyReplayedOutcome } from '../policy/planner.js';
import { DEAD_STATUSES, type PlannedAction } from '../policy/types.js';
import type { ActionDoc } from './audit.js';
import type { ActionExecutor } from './executor.js';
import type { KeyedLock } from './keyed-lock.js';
import type { RolloutStateStore } from './state-store.js';

export interface ReplayFilter {
  rollout?: string;
  ids?: string[];
  limit?: number;
}

export interface ReplayResult {
  id: string;
  rollout: string;
  kind: string;
  target: string;
  previousStatus: string;
  status: string;
  error: string | null;
}

/** Re-runs dead-lettered (and permanently failed) actions with the same idempotency key. */
export async function replayDeadLetters(deps: { store: Store; executor: ActionExecutor; lock: KeyedLock; states: RolloutStateStore; logger: Logger }, filter: ReplayFilter = {}): Promise<ReplayResult[]> {
  const found = await deps.store.search(INDICES.actions, {
    filters: { status: [...DEAD_STATUSES] as string[], rollout: filter.rollout, id: filter.ids?.length ? filter.ids : undefined },
    sort: [{ field: 'at', order: 'asc' }],
    size: Math.min(filter.limit ?? 100, 1000),
  });
  const results: ReplayResult[] = [];
  for (const hit of found.hits) {
    const found = hit as ActionDoc;
    // Search can lag behind writes: the real-time get decides whether it is still dead.
    const current = (await deps.store.get(INDICES.actions, found.id)) as ActionDoc | undefined;
    if (!current || !DEAD_STATUSES.includes(current.status)) continue;
    const doc = current;
    const action = JSON.parse(doc.payload) as PlannedAction;
    const outcome = await deps.lock.run(doc.rollout, async () => {
      const result = await deps.executor.execute(action, { replay: true });
      if (result.status === 'succeeded') {
        const state = await deps.states.load(doc.rollout);
        await deps.states.save(applyReplayedOutcome(state, result, new Date()));
      }
      return result;
    });
    deps.logger.info({ id: doc.id, rollout: doc.rollout, kind: doc.kind, target: doc.target, status: outcome.status }, 'dead letter replayed');
    results.push({ id: doc.id, rollout: doc.rollout, kind: doc.kind, target: doc.target, previousStatus: doc.status, status: outcome.status, error: outcome.error });
  }
  return results;
}

/**
 * For the CLI (`rollwatch dlq replay`): asks a running alerts service to replay its dead letters.
 * Resolves with the service's answer; rejects with a message naming the problem.
 */
export async function replayDlq(options: { url?: string; token?: string; rollout?: string; ids?: string[]; limit?: number } = {}): Promise<{ replayed: number; results: ReplayResult[] }> {
  const base = (options.url ?? process.env.ROLLWATCH_ALERTS_URL ?? 'http://localhost:8082').replace(/\/+$/, '');
  const token = options.token ?? process.env.ROLLWATCH_API_TOKEN;
  const response = await fetch(`${base}/api/v1/dlq/replay`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ rollout: options.rollout, ids: options.ids, limit: options.limit }),
  });
  const body = (await response.json().catch(() => ({}))) as { replayed?: number; results?: ReplayResult[]; error?: string };
  if (!response.ok) throw new Error(`dlq replay failed: HTTP ${response.status}${body.error ? `: ${body.error}` : ''}`);
  return { replayed: body.replayed ?? 0, results: body.results ?? [] };
}
