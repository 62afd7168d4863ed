import type { AnalysisEngine } from '@rollwatch/analysis';

/**
 * Which restored rollouts are judged before their partition is released (while they answer
 * `restoring`), and which are left to the periodic rounds.
 *
 * A rollout's evaluation time is capped at its last event plus the engine's horizon
 * (`AnalysisEngine.evaluationHorizonMs`). Once that is past, its verdict can no longer move with the
 * clock: it is finished, and the previous owner normally judged it at that time already (if it died
 * first, the next round here publishes what changed, a round later). Judging every such rollout
 * before the restore completes would make the restore grow with how many rollouts finished within
 * DETECTOR_RETENTION_MS (each evaluation also looks up the rollout's last stored verdict). So
 * only rollouts whose verdict can still move are judged now. The others are judged once by the next
 * rounds, in chunks, with consumption running in between, or on demand when someone asks.
 * A rollout with no event yet (registered only) is cheap to judge and is judged now.
 */
export function splitRestoredForEvaluation(engine: Pick<AnalysisEngine, 'lastEventMs' | 'evaluationHorizonMs'>, rollouts: Iterable<string>, nowMs: number): { now: string[]; deferred: string[] } {
  const now: string[] = [];
  const deferred: string[] = [];
  for (const rollout of rollouts) {
    const last = engine.lastEventMs(rollout);
    if (last === null || last + engine.evaluationHorizonMs(rollout) > nowMs) now.push(rollout);
    else deferred.push(rollout);
  }
  return { now, deferred };
}
