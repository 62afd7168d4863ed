// Response shapes of the detector API as the dashboard reads them (see services/detector/src/http).
// Kept structural and lenient: the dashboard must render whatever a newer detector adds.

export type Decision = 'go' | 'no-go' | 'pending';

export interface Reason {
  signal: string;
  severity: 'critical' | 'fail' | 'warn' | 'info';
  message: string;
  canary?: number | null;
  baseline?: number | null;
  pValue?: number | null;
  threshold?: number | null;
  cause?: 'release' | 'environment' | 'unknown';
  attribute?: { name: string; value: string };
  template?: string;
  example?: string;
}

export interface VerdictBody {
  rollout: string;
  decision: Decision;
  score: number | null;
  reasons: Reason[];
  evaluatedAt: string;
  noGoAt: string | null;
  cause: string | null;
  sequence: number;
  service?: string;
  labels?: Record<string, string>;
}

export interface RolloutItem {
  rollout: string;
  service: string | null;
  decision: Decision;
  score: number | null;
  sequence: number;
  noGoAt: string | null;
  evaluatedAt: string | null;
  instances: { canary: number; baseline: number; other: number } | null;
  events: number | null;
  firstEventAt: string | null;
  lastEventAt: string | null;
  labels: Record<string, string>;
}

export interface SeriesPoint {
  t: number;
  canary: number | null;
  baseline: number | null;
}

export interface SignalSeries {
  signal: string;
  unit: string;
  threshold?: number;
  points: SeriesPoint[];
}

export interface HostAttributeRow {
  attribute: string;
  value: string;
  canaryInstances: number;
  baselineInstances: number;
  failingCanary: number;
  failingBaseline: number;
}

export interface ActionItem {
  id: string;
  rollout: string;
  kind: string;
  target: string;
  status: string;
  decision?: string;
  reason?: string;
  at: string;
  attempts?: number;
  responseCode?: number | null;
  error?: string | null;
  by?: string;
  latencyMs?: number | null;
}

export interface AnomalyItem {
  id: string;
  signal: string;
  severity?: string;
  message?: string;
  template?: string;
  example?: string;
  detectedAt?: string;
  time?: string;
}

export interface EventItem {
  id: string;
  time: string;
  rollout: string;
  group: string;
  type: string;
  instance: string;
  host?: string;
  level?: string;
  message?: string;
  metric?: string;
  value?: number;
  exitCode?: number;
}

export interface Page<T> {
  total: number;
  from: number;
  size: number;
  items: T[];
}

/** GET /rollouts/{id}/templates rows (engine counts per group, enriched by the detector). */
export interface EngineTemplateRow {
  id: string;
  template: string;
  example?: string;
  canary: number;
  baseline: number;
  canaryInstances?: number;
  newInCanary?: boolean;
  canaryPerMinute?: number;
}
