import type { Reason, RollwatchEvent } from '@rollwatch/core';
import { ValidationError } from '@rollwatch/core';
import type { AnalysisEngine, EvaluationResult, HostAttributeRow, RolloutSpec, RolloutSummary, SignalSeries, TemplateRow } from '@rollwatch/analysis';

interface State {
  events: Map<string, RollwatchEvent>;
  spec?: RolloutSpec;
}

const CRASHES = new Set(['container_restart', 'oom_killed', 'container_exit']);
/** Checkpoints carry it: restore() refuses another engine's snapshot, like the real engine. */
const SNAPSHOT_FORMAT = 'rollwatch-fake-engine-snapshot';

/** Shaped like the real engine's snapshot where the detector looks (`rollouts[].state.id`). */
interface FakeSnapshot {
  format: typeof SNAPSHOT_FORMAT;
  rollouts: { state: { id: string; events: RollwatchEvent[]; spec?: RolloutSpec } }[];
}

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

  snapshot(only?: Iterable<string>): FakeSnapshot {
    const ids = only ? [...only] : [...this.state.keys()];
    const rollouts: FakeSnapshot['rollouts'] = [];
    for (const id of ids) {
      const s = this.state.get(id);
      if (s) rollouts.push({ state: { id, events: [...s.events.values()], ...(s.spec ? { spec: s.spec } : {}) } });
    }
    return { format: SNAPSHOT_FORMAT, rollouts: structuredClone(rollouts) };
  }

  restore(snapshot: unknown): void {
    const snap = snapshot as Partial<FakeSnapshot> | null;
    if (snap?.format !== SNAPSHOT_FORMAT || !Array.isArray(snap.rollouts)) throw new ValidationError('snapshot', 'is not a fake engine snapshot');
    for (const { state } of structuredClone(snap.rollouts)) {
      this.state.set(state.id, { events: new Map(state.events.map((e) => [e.id, e])), ...(state.spec ? { spec: state.spec } : {}) });
    }
  }

  forget(rollout: string): boolean {
    return this.state.delete(rollout);
  }

  /** Its state is a list of events, with no packed form: nothing is packed (its rollouts never finish either). */
  pack(): number {
    return 0;
  }

  lastEventMs(rollout: string): number | null {
    let last: number | null = null;
    for (const e of this.state.get(rollout)?.events.values() ?? []) last = Math.max(last ?? -Infinity, Date.parse(e.time));
    return last;
  }

  /** No timeouts in this engine: the wall clock always matters (evaluation time = now). */
  evaluationHorizonMs(): number {
    return Infinity;
  }

  /** Each distinct log message is its own template. */
  templates(rollout: string): TemplateRow[] {
    const rows = new Map<string, TemplateRow & { instances: Set<string> }>();
    for (const e of this.state.get(rollout)?.events.values() ?? []) {
      if (e.type !== 'log' || e.message === undefined) continue;
      const row = rows.get(e.message) ?? { id: e.message, template: e.message, example: e.message, canary: 0, baseline: 0, canaryInstances: 0, instances: new Set<string>() };
      if (e.group === 'canary') {
        row.canary++;
        row.instances.add(e.instance);
      }
      if (e.group === 'baseline') row.baseline++;
      rows.set(e.message, row);
    }
    return [...rows.values()].map(({ instances, ...row }) => ({ ...row, canaryInstances: instances.size }));
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
