import type { RollwatchEventInput } from '@rollwatch/core';

/**
 * A canary crash loop that every policy calls no-go: a healthy baseline start, a canary start, then
 * `crashes` canary restarts one second apart, two minutes before `now`. Ids are fixed per rollout,
 * so re-sending the same fixture is idempotent.
 */
export function crashLoopEvents(rollout: string, crashes: number, now = Date.now()): RollwatchEventInput[] {
  const base = now - 120_000;
  const at = (i: number) => new Date(base + i * 1000).toISOString();
  const events: RollwatchEventInput[] = [
    { id: `${rollout}-b-start`, time: at(0), rollout, group: 'baseline', type: 'container_start', instance: 'base-1', service: 'checkout' },
    { id: `${rollout}-c-start`, time: at(1), rollout, group: 'canary', type: 'container_start', instance: 'can-1', service: 'checkout' },
  ];
  for (let i = 0; i < crashes; i++) {
    events.push({ id: `${rollout}-c-restart-${i}`, time: at(2 + i), rollout, group: 'canary', type: 'container_restart', instance: 'can-1', service: 'checkout', exitCode: 1 });
  }
  return events;
}
