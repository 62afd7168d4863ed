import type { Reason, RollwatchEvent } from '@rollwatch/core';
import { ValidationError } from '@rollwatch/core';
import type { AnalysisEngine, EvaluationResult, HostAttributeRow, RolloutSpec, RolloutSummary, SignalSeries } from '@rollwatch/analysis';

interface State {
  events: Map<string, RollwatchEvent>;
  spec?: RolloutSpec;
}

const CRASHES = new Set(['container_restart', 'oom_killed', 'container_exit']);

/**
 * A deliberately tiny engine for the detector's unit tests (the real one lives in
 * @rollwatch/analysis): pending below `minEvents` events, no-go once canary crashes reach
 * `crashLimit` more than baseline's, else go. Deterministic, dedups by id, like the contract says.
 */
export class FakeEngine implements AnalysisEngine {
  readonly state = new Map<string, State>();
  evaluations = 0;
  constructor(private readonly opts: { minEvents?: number; crashLimit?: number; policies?: string[] } = {}) {}

  private get(rollout: string): State {
    let s = this.state.get(rollout);
    if (!s) this.state.set(rollout, (s = { events: new Map() }));
    return s;
  }

  ingest(events: RollwatchEvent[]): string[] {
    const touched = new Set<string>();
    for (const e of events) {
      const s = this.get(e.rollout);
      if (!s.events.has(e.id)) s.events.set(e.id, e);
      touched.add(e.rollout);
    }
    return [...touched];
  }

  register(spec: RolloutSpec): void {
    if (typeof spec.policy === 'string' && this.opts.policies && !this.opts.policies.includes(spec.policy)) {
      throw new ValidationError('policy', `unknown policy "${spec.policy}"`);
    }
    if (spec.policy && typeof spec.policy === 'object' && 'maxCrashes' in spec.policy && typeof spec.policy.maxCrashes !== 'number') {
      throw new ValidationError('policy.maxCrashes', 'must be a number');
    }
    this.get(spec.id).spec = spec;
  }

  evaluate(rollout: string, _atMs?: number): EvaluationResult {
    this.evaluations++;
    const s = this.state.get(rollout);
    if (!s) throw new Error(`unknown rollout ${rollout}`);
    const events = [...s.events.values()];
    const watermark = events.reduce((max, e) => (e.time > max ? e.time : max), '1970-01-01T00:00:00.000Z');
    const crashes = (group: string) => events.filter((e) => e.group === group && CRASHES.has(e.type)).length;
    const canary = crashes('canary');
    const baseline = crashes('baseline');
    const limit = this.opts.crashLimit ?? 3;
    const reasons: Reason[] = [];
    let decision: EvaluationResult['decision'] = 'go';
    let score: number | null = 100 - Math.min(100, canary * 10);
    let noGoAt: string | null = null;
    if (events.length < (this.opts.minEvents ?? 3)) {
      decision = 'pending';
      score = null;
      reasons.push({ signal: 'data', severity: 'info', message: 'not enough events yet' });
    } else if (canary - baseline >= limit) {
      decision = 'no-go';
      const crashEvents = events.filter((e) => e.group === 'canary' && CRASHES.has(e.type)).sort((a, b) => (a.time < b.time ? -1 : 1));
      noGoAt = crashEvents[limit - 1]?.time ?? watermark;
      reasons.push({ signal: 'crash-loop', severity: 'critical', message: `canary restarted ${canary} times, baseline ${baseline}`, canary, baseline, threshold: limit, cause: 'release' });
    } else if (canary > baseline) {
      reasons.push({ signal: 'crash-loop', severity: 'warn', message: 'canary restarts slightly above baseline', canary, baseline });
    }
    const result: EvaluationResult = { rollout, decision, score, reasons, noGoAt, evaluatedAt: watermark };
    if (decision === 'no-go') result.cause = 'release';
    const service = s.spec?.service ?? events[0]?.service;
    if (service !== undefined) result.service = service;
    return result;
  }

  evaluateBatch(rollout: string, batch: number): EvaluationResult {
    const whole = this.evaluate(rollout);
    if (batch > 10) throw new ValidationError('batch', `batch ${batch} does not exist`);
    return { ...whole, reasons: whole.reasons.map((r) => ({ ...r, batch })), batches: [{ batch, decision: whole.decision, reasons: [] }] };
  }

  rollouts(): RolloutSummary[] {
    return [...this.state.entries()].map(([rollout, s]) => {
      const events = [...s.events.values()].sort((a, b) => (a.time < b.time ? -1 : 1));
      const instances = (group: string) => new Set(events.filter((e) => e.group === group).map((e) => e.instance)).size;
      const summary: RolloutSummary = {
        rollout,
        firstEventAt: events[0]?.time ?? null,
        lastEventAt: events[events.length - 1]?.time ?? null,
        instances: { canary: instances('canary'), baseline: instances('baseline'), other: instances('other') + instances('stable') },
        events: events.length,
        registered: s.spec !== undefined,
      };
      const service = s.spec?.service ?? events[0]?.service;
      if (service !== undefined) summary.service = service;
      return summary;
    });
  }

  series(rollout: string): SignalSeries[] {
    const s = this.state.get(rollout);
    return [{ signal: 'crashes', unit: 'count', points: s ? [{ t: 0, canary: [...s.events.values()].filter((e) => e.group === 'canary' && CRASHES.has(e.type)).length, baseline: 0 }] : [] }];
  }

  hostInventory(rollout: string): HostAttributeRow[] {
    const rows = new Map<string, HostAttributeRow>();
    for (const e of this.state.get(rollout)?.events.values() ?? []) {
      for (const [attribute, value] of Object.entries(e.hostAttributes ?? {})) {
        const key = `${attribute}=${value}`;
        const row = rows.get(key) ?? { attribute, value, canaryInstances: 0, baselineInstances: 0, failingCanary: 0, failingBaseline: 0 };
        if (e.group === 'canary') row.canaryInstances = 1;
        if (e.group === 'baseline') row.baselineInstances = 1;
        rows.set(key, row);
      }
    }
    return [...rows.values()];
  }

  snapshot(): unknown {
    return [...this.state.entries()].map(([k, s]) => [k, [...s.events.values()], s.spec]);
  }

  evict(olderThanMs: number): string[] {
    const evicted: string[] = [];
    for (const summary of this.rollouts()) {
      if (summary.lastEventAt && Date.parse(summary.lastEventAt) < olderThanMs) {
        this.state.delete(summary.rollout);
        evicted.push(summary.rollout);
      }
    }
    return evicted;
  }
}
