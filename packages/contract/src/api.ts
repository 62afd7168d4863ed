// Response shapes of the detector's HTTP API (`/api/v1`), shared by the detector that builds them and
// the dashboard that reads them. A newer detector may add fields; readers ignore what they don't know.
import type { ActionRecord, Decision, Reason, Verdict } from './schema/verdict.js';
import type { RollwatchEvent } from './schema/event.js';

/** One time series point for dashboards: value of a signal for a group in one window. */
export interface SeriesPoint {
  /** Window start, epoch ms (event time). */
  t: number;
  canary: number | null;
  baseline: number | null;
}

/** GET /rollouts/{id}/series: one entry per signal. */
export interface SignalSeries {
  signal: string;
  unit: string;
  threshold?: number;
  points: SeriesPoint[];
}

/** GET /rollouts/{id}/hosts rows: canary and baseline instances per host attribute value. */
export interface HostAttributeRow {
  attribute: string;
  value: string;
  canaryInstances: number;
  baselineInstances: number;
  failingCanary: number;
  failingBaseline: number;
}

/** A verdict as the gate and rollout endpoints answer it: absent `noGoAt` / `cause` read as null. */
export type VerdictBody = Omit<Verdict, 'noGoAt' | 'cause'> & {
  noGoAt: string | null;
  cause: NonNullable<Verdict['cause']> | null;
};

/** GET /rollouts items (and the head of GET /rollouts/{id}). */
export interface RolloutItem {
  /** The rollout key: the id, or `<id>@<revision>`. */
  rollout: string;
  id: string;
  revision: string | null;
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
  registered: boolean;
  labels: Record<string, string>;
  /** `local`: this replica's engine holds it; `remote`: another replica does (its verdict is known). */
  location: 'local' | 'remote';
}

/** One mined log template of a rollout: its line counts per group and one example line. */
export interface TemplateRow {
  id: string;
  template: string;
  example: string;
  canary: number;
  baseline: number;
  canaryInstances: number;
}

/** GET /rollouts/{id}/templates rows: engine counts per group, with rates and novelty added. */
export interface TemplateTableRow extends TemplateRow {
  newInCanary: boolean;
  canaryPerMinute: number;
  baselinePerMinute: number;
}

/** A `rollwatch-anomalies` document (GET /rollouts/{id}/anomalies): one non-info reason of a verdict. */
export type AnomalyDocument = Reason & {
  id: string;
  rollout: string;
  decision: Decision;
  sequence: number;
  /** The evaluation (event) time of the verdict that found it. */
  time: string;
  detectedAt: string;
  service?: string;
  /** `attribute` flattened so Kibana can filter on it. */
  attributeName?: string;
  attributeValue?: string;
};

/** GET /rollouts/{id}/actions items: the audit record (plus how long the action took, when known). */
export type ActionItem = ActionRecord & { latencyMs?: number | null };

/** GET /rollouts/{id}/events items: stored events. */
export type EventItem = RollwatchEvent;

/** A page of a history endpoint (`from` / `size` pagination). */
export interface Page<T> {
  total: number;
  from: number;
  size: number;
  items: T[];
}
