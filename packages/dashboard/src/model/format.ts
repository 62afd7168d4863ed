import type { Decision } from '@rollwatch/contract';

/** "42s", "5m", "3h 12m", "2d 4h": compact enough for a table cell, exact enough to compare. */
export function formatAge(fromIso: string | null | undefined, nowMs: number): string {
  if (!fromIso) return '—';
  const then = Date.parse(fromIso);
  if (!Number.isFinite(then)) return '—';
  const seconds = Math.max(0, Math.floor((nowMs - then) / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours}h ${minutes % 60}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

/** Numbers with sensible precision for rates and ratios; null stays visibly "no data". */
export function formatNumber(value: number | null | undefined, unit = ''): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  const abs = Math.abs(value);
  let text: string;
  if (unit === 'ratio') text = `${(value * 100).toFixed(abs < 0.01 ? 2 : 1)}%`;
  else if (abs !== 0 && abs < 0.01) text = value.toExponential(1);
  else if (abs < 10) text = String(Math.round(value * 100) / 100);
  else if (abs < 1000) text = String(Math.round(value * 10) / 10);
  else text = String(Math.round(value));
  return unit && unit !== 'ratio' ? `${text} ${unit}` : text;
}

export function formatScore(score: number | null | undefined): string {
  return score === null || score === undefined ? '—' : String(Math.round(score));
}

const DECISION_LABEL: Record<Decision, string> = { go: 'go', 'no-go': 'no-go', pending: 'pending' };

export function decisionLabel(decision: string): string {
  return (DECISION_LABEL as Record<string, string>)[decision] ?? decision;
}

/** Sort rank: what needs a human first. */
export function decisionRank(decision: string): number {
  return decision === 'no-go' ? 0 : decision === 'pending' ? 1 : decision === 'go' ? 2 : 3;
}

/** Human names for the engine's signal ids (unknown ids are shown as they are). */
export const SIGNAL_LABELS: Readonly<Record<string, string>> = Object.freeze({
  restarts: 'Restarts',
  oom_kills: 'OOM kills',
  nonzero_exits: 'Non-zero exits',
  health_check_failures: 'Health-check failures',
  error_log_rate: 'Error-log rate',
  fatal_log_rate: 'Fatal-log rate',
  http_error_rate: 'HTTP error rate',
  latency: 'Latency',
  cpu_ratio: 'CPU',
  log_templates: 'New log templates',
  override: 'Override',
});

export function signalLabel(signal: string): string {
  return SIGNAL_LABELS[signal] ?? signal.replaceAll('_', ' ');
}
