/**
 * The closed vocabularies of event schema v1, with no schema library behind them: a browser bundle
 * (the dashboard's filters) imports `@rollwatch/contract/vocabulary` and gets these lists, not zod.
 */
export const EVENT_GROUPS = ['canary', 'baseline', 'stable', 'other'] as const;
export const EVENT_TYPES = [
  'container_start',
  'container_restart',
  'container_exit',
  'oom_killed',
  'health_check_failed',
  'health_check_passed',
  'log',
  'metric',
] as const;
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'fatal'] as const;
