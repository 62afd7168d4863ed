// The analysis engine: pure (no I/O, no timers, no clock), bounded memory, serialisable.
import { ValidationError, type EventGroup, type RollwatchEvent } from '@rollwatch/core';
import type { AnalysisEngine, EvaluationResult, RestoreOptions, SnapshotOptions, HostAttributeRow, RolloutSpec, RolloutSummary, SignalSeries, TemplateRow } from './engine-api.js';
import { inventoryRows } from './attribution/attribution.js';
import { batchNumbers, evaluateBatchGates } from './batch/gates.js';
import { comparativeSignals, evaluateCanary, iso } from './judge/evaluate.js';
import { templateTable } from './judge/log-templates.js';
import { capScore } from './judge/score.js';
import { collectSamples, windowsBetween } from './judge/samples.js';
import { TemplateTracker, type MinerSnapshot } from './logsignal/tracker.js';
import type { MetricSample, SampleGroup } from './metrics/interface.js';
import { DEFAULT_POLICY, POLICY_TEMPLATES } from './policy/defaults.js';
import { loadPolicy, resolvePolicy } from './policy/parse.js';
import type { Policy } from './policy/schema.js';
import { BUILTIN_SIGNALS, TEMPLATE_SIGNAL } from './signals/catalog.js';
import { advance, applyEvent, dict, newRolloutState, watermarkOf, windowStart } from './state/ingest.js';
import { memoiseInputs } from './judge/window-memo.js';
import { packWindow, unpackWindow } from './state/packed.js';
import { headOf, isPackedEntry, summaryOf, type DormantHead, type PackedEntry } from './state/dormant.js';
import { type InstanceWindow, type RolloutState, type WindowState } from './state/types.js';

export interface EngineOptions {
  /** Policy for rollouts that name none: a parsed Policy, a partial document, or YAML/JSON text. */
  policy?: Policy | Record<string, unknown> | string;
  /** Named policies a RolloutSpec may refer to, besides the built-in templates. */
  policies?: Record<string, Policy | Record<string, unknown> | string>;
  /**
   * Keep each signal's judge inputs over closed windows and extend them window by window, and each
   * look's judgements (judge/window-memo.ts): a new look reads only the open windows. Costs about 4x
   * a rollout's state in memory, so it is for engines with few, short-lived rollouts (the replay),
   * not the detector.
   */
  memoiseInputs?: boolean;
}

/**
 * Version 2 packs each instance's window aggregate as an array (state/packed.ts, trailing
 * zeros dropped): the same numbers in about a fifth of the bytes. Version 3 may also hold finished
 * rollouts as packed entries (state/dormant.ts: their state as JSON text plus a head); a snapshot
 * without any is written as version 2. restore() reads versions 1 to 3.
 */
export interface EngineSnapshot {
  format: 'rollwatch-analysis-snapshot';
  version: 2 | 3;
  rollouts: (SnapshotEntry | PackedEntry)[];
  miners: MinerSnapshot[];
}

type SerialisedWindow = Omit<WindowState, 'ids' | 'instances'> & { ids: string[] | null; instances: Record<string, number[] | InstanceWindow> };
type SerialisedState = Omit<RolloutState, 'windows'> & { windows: Record<string, SerialisedWindow> };

/** A rollout's entry in a snapshot, its state as objects. */
interface SnapshotEntry {
  state: SerialisedState;
  spec?: RolloutSpec;
}
/** A restored rollout not unpacked yet: its serialised state, or the JSON text of it (packed entry). */
interface DormantEntry {
  head: DormantHead;
  state?: SerialisedState;
  json?: string;
}
/** What is read of a rollout without unpacking its windows (the same fields live and dormant). */
type RolloutHead = Pick<RolloutState, 'id' | 'service' | 'policyLabel' | 'registered' | 'maxEventMs'>;

export interface ProviderSamples {
  signal: string;
  group: SampleGroup;
  samples: MetricSample[];
}


export class Engine implements AnalysisEngine {
  private readonly states = new Map<string, RolloutState>();
  /**
   * Restored rollouts kept as their snapshot entry until something reads or feeds them (restore
   * with `deferFinishedAt`): unpacking every window of every rollout finished within the retention
   * made a detector's restore grow with them. A checkpoint writes them back as they are.
   */
  private readonly dormant = new Map<string, DormantEntry>();
  private readonly specs = new Map<string, RolloutSpec>();
  private readonly resolved = new Map<string, { service: string | undefined; named: string | undefined; policy: Policy }>();
  private readonly basePolicy: Policy;
  private readonly named = new Map<string, Policy>();
  private readonly tracker: TemplateTracker;
  private readonly memoise: boolean;

  constructor(options: EngineOptions = {}) {
    this.memoise = options.memoiseInputs === true;
    this.basePolicy = toPolicy(options.policy, DEFAULT_POLICY);
    for (const [name, template] of Object.entries(POLICY_TEMPLATES)) this.named.set(name, loadPolicy(template as Record<string, unknown>, this.basePolicy));
    for (const [name, p] of Object.entries(options.policies ?? {})) this.named.set(name, toPolicy(p, this.basePolicy));
    this.tracker = new TemplateTracker((state) => this.policyFor(state).logTemplates.maxTemplates);
  }

  /** The policy of rollouts that name none (the engine's `policy` option over the defaults). */
  defaultPolicy(): Policy {
    return this.basePolicy;
  }

  /** Names a RolloutSpec may use as `policy`. */
  policyNames(): string[] {
    return [...this.named.keys()].sort();
  }

  ingest(events: RollwatchEvent[]): string[] {
    // Sorting by (event time, id) makes one call order-independent: any permutation of a batch
    // leaves the same state.
    // Each time is parsed once (not twice per comparison).
    const sorted = events.map((event) => ({ event, t: Date.parse(event.time) })).sort((a, b) => a.t - b.t || (a.event.id < b.event.id ? -1 : a.event.id > b.event.id ? 1 : 0));
    const touched = new Set<string>();
    for (const { event, t } of sorted) {
      const state = this.stateFor(event.rollout);
      const policy = this.policyFor(state, event.service);
      const outcome = applyEvent(state, event, policy, this.recordLog, t);
      if (outcome === 'applied') touched.add(event.rollout);
    }
    return [...touched].sort();
  }

  /** One event, already in order (the replay's hot path: no batch array, no sort). True when applied. */
  ingestOne(event: RollwatchEvent, timeMs?: number): boolean {
    const state = this.stateFor(event.rollout);
    const policy = this.policyFor(state, event.service);
    return applyEvent(state, event, policy, this.recordLog, timeMs) === 'applied';
  }

  private readonly recordLog = (s: RolloutState, group: EventGroup, instance: string, e: RollwatchEvent): void => this.tracker.record(s, group, instance, e);

  /** Samples from a MetricProvider (e.g. Prometheus via the detector), judged like event samples. */
  ingestSamples(rollout: string, batches: ProviderSamples[]): number {
    const state = this.stateFor(rollout);
    const policy = this.policyFor(state);
    const watermark = watermarkOf(state, policy);
    let applied = 0;
    for (const { signal, group, samples } of batches) {
      if (policy.signals[signal] === undefined) throw new ValidationError('signal', `unknown signal "${signal}": add it to the policy's signals`);
      for (const s of samples) {
        if (!Number.isFinite(s.value) || !Number.isFinite(s.t)) continue;
        if (watermark !== null && s.t < watermark) {
          state.lateDropped++;
          continue;
        }
        const start = windowStart(s.t, policy.analysis.interval);
        const w = (state.windows[String(start)] ??= { start, instances: dict(), external: {}, ids: new Set() });
        const byGroup = ((w.external[signal] ??= {})[group] ??= {});
        const cell = (byGroup[s.instance ?? `${signal}-${group}`] ??= { sum: 0, count: 0 });
        cell.sum += s.value;
        cell.count++;
        if (state.firstEventMs === null || s.t < state.firstEventMs) state.firstEventMs = s.t;
        advance(state, s.t, policy);
        applied++;
      }
    }
    return applied;
  }

  register(spec: RolloutSpec): void {
    if (!spec.id) throw new ValidationError('id', 'is required');
    if (typeof spec.policy === 'string' && !this.named.has(spec.policy)) {
      throw new ValidationError('policy', `unknown policy "${spec.policy}" (known: ${this.policyNames().join(', ')})`);
    }
    if (spec.policy !== undefined && typeof spec.policy === 'object') loadPolicy(spec.policy, this.basePolicy); // validates; throws PolicyError
    const state = this.stateFor(spec.id);
    state.registered = true;
    if (spec.service !== undefined) state.service = spec.service;
    this.specs.set(spec.id, structuredClone(spec));
    this.resolved.delete(spec.id);
    // A different policy means different looks and thresholds: recompute from the aggregates.
    state.looks = { final: 0, firstFailure: {}, windowTriggers: {} };
  }

  evaluate(rollout: string, atMs?: number): EvaluationResult {
    const state = this.live(rollout);
    if (!state || state.maxEventMs === null) return this.emptyResult(rollout, atMs);
    const policy = this.policyFor(state);
    const horizon = atMs ?? watermarkOf(state, policy)!;
    const latest = atMs ?? state.maxEventMs;
    if (policy.kind === 'batch') return this.evaluateBatches(state, policy, horizon, latest);
    const { signals: _signals, ...result } = evaluateCanary(state, policy, horizon, latest);
    return result;
  }

  evaluateBatch(rollout: string, batch: number): EvaluationResult {
    if (!Number.isInteger(batch) || batch < 0) throw new ValidationError('batch', 'must be a non-negative integer');
    const state = this.live(rollout);
    if (!state || state.maxEventMs === null) return this.emptyResult(rollout);
    const policy = this.policyFor(state);
    const latest = state.maxEventMs;
    const b = evaluateBatchGates(state, policy, batch, latest, this.specs.get(rollout));
    const result: EvaluationResult = {
      rollout,
      decision: b.decision,
      score: b.decision === 'no-go' ? capScore(b.gatesTotal > 0 ? Math.round((100 * b.gatesPassed) / b.gatesTotal) : null, policy) : b.gatesTotal > 0 ? Math.round((100 * b.gatesPassed) / b.gatesTotal) : null,
      reasons: b.reasons,
      noGoAt: b.noGoAt === null ? null : iso(b.noGoAt),
      evaluatedAt: iso(latest),
      batches: [{ batch, decision: b.decision, reasons: b.reasons }],
    };
    if (state.service !== undefined) result.service = state.service;
    if (b.decision === 'no-go') result.cause = b.reasons.some((r) => r.cause === 'environment' && r.severity !== 'info') ? 'environment' : 'release';
    return result;
  }

  rollouts(): RolloutSummary[] {
    const rows = [...this.states.values()].map((s) => summaryOf(headOf(s), iso));
    for (const entry of this.dormant.values()) rows.push(summaryOf(entry.head, iso));
    return rows.sort((a, b) => (a.rollout < b.rollout ? -1 : 1));
  }

  series(rollout: string): SignalSeries[] {
    const state = this.live(rollout);
    if (!state) return [];
    const policy = this.policyFor(state);
    const windows = windowsBetween(state, -Infinity, Infinity);
    const out: SignalSeries[] = [];
    for (const signal of comparativeSignals(policy)) {
      if (signal === TEMPLATE_SIGNAL) continue;
      const points = windows.map((w) => {
        const s = collectSamples(state, signal, [w], policy);
        return { t: w.start, canary: meanOrNull(s.canary), baseline: meanOrNull(s.baseline) };
      });
      if (points.every((p) => p.canary === null && p.baseline === null)) continue;
      const entry: SignalSeries = { signal, unit: policy.signals[signal]?.unit ?? BUILTIN_SIGNALS[signal]?.unit ?? '', points };
      if (signal === 'http_error_rate') entry.threshold = policy.thresholds.errorRate;
      if (signal === 'cpu_ratio') entry.threshold = policy.thresholds.cpu.max;
      out.push(entry);
    }
    return out;
  }

  /** The judge's inputs for one signal and group: one sample per (instance, window) in [from, to). */
  samples(rollout: string, signal: string, group: SampleGroup, fromMs: number, toMs: number): MetricSample[] | undefined {
    const state = this.live(rollout);
    if (!state) return undefined;
    const policy = this.policyFor(state);
    const out: MetricSample[] = [];
    for (const w of windowsBetween(state, fromMs, toMs)) {
      const s = collectSamples(state, signal, [w], policy);
      for (const value of s[group]) out.push({ t: w.start, value });
    }
    return out;
  }

  hostInventory(rollout: string): HostAttributeRow[] {
    const state = this.live(rollout);
    if (!state || state.maxEventMs === null) return [];
    return inventoryRows(state, this.policyFor(state), state.maxEventMs);
  }

  /** Log templates of a rollout, most frequent first (the detector's /templates endpoint). */
  templates(rollout: string): TemplateRow[] {
    const state = this.live(rollout);
    return state ? templateTable(state) : [];
  }

  /**
   * The state of every rollout, or only of `only` (a detector checkpoints one partition's rollouts).
   * With `packFinishedAt`, rollouts finished at that time (last event + horizon passed) are written
   * as packed entries (JSON text + head), so restoring the snapshot does not parse them.
   */
  snapshot(only?: Iterable<string>, options: SnapshotOptions = {}): EngineSnapshot {
    const wanted = only ? new Set(only) : undefined;
    const at = options.packFinishedAt;
    const entries: (SnapshotEntry | PackedEntry)[] = [];
    const withSpec = <T extends object>(id: string, entry: T): T & { spec?: RolloutSpec } => {
      const spec = this.specs.get(id);
      return spec ? { ...entry, spec: structuredClone(spec) } : entry;
    };
    for (const state of this.states.values()) {
      if (wanted && !wanted.has(state.id)) continue;
      const serialised = serialise(state);
      entries.push(withSpec(state.id, at !== undefined && this.finishedAt(state, at) ? { head: headOf(state), json: JSON.stringify(serialised) } : { state: serialised }));
    }
    // Dormant rollouts are already in snapshot form (written back as they came); their spec is the engine's current one.
    for (const [id, entry] of this.dormant) {
      if (wanted && !wanted.has(id)) continue;
      if (at !== undefined) entries.push(withSpec(id, { head: entry.head, json: entry.json ?? JSON.stringify(entry.state) }));
      else entries.push(withSpec(id, { state: entry.state ?? (JSON.parse(entry.json!) as SerialisedState) }));
    }
    const rollouts = entries.sort((a, b) => (idOf(a) < idOf(b) ? -1 : 1));
    return { format: 'rollwatch-analysis-snapshot', version: rollouts.some(isPackedEntry) ? 3 : 2, rollouts, miners: this.tracker.snapshot() };
  }

  /**
   * Restores state saved by snapshot() (usually into a fresh engine with the same options). With
   * `deferFinishedAt`, a rollout already finished at that time (last event + its horizon passed)
   * stays packed until something reads or feeds it; its answers are the same either way.
   */
  restore(snapshot: unknown, options: RestoreOptions = {}): void {
    const snap = snapshot as Omit<EngineSnapshot, 'version'> & { version: number };
    if (!snap || snap.format !== 'rollwatch-analysis-snapshot' || ![1, 2, 3].includes(snap.version) || !Array.isArray(snap.rollouts)) {
      throw new ValidationError('snapshot', 'is not a rollwatch analysis snapshot (version 1 to 3)');
    }
    for (const entry of snap.rollouts) {
      const packed = isPackedEntry(entry) ? entry : undefined;
      const id = idOf(entry);
      this.states.delete(id);
      this.dormant.delete(id);
      if (entry.spec) this.specs.set(id, structuredClone(entry.spec));
      this.resolved.delete(id);
      const at = options.deferFinishedAt;
      if (packed) {
        if (at !== undefined && this.finishedAt(packed.head, at)) this.dormant.set(id, { head: packed.head, json: packed.json });
        else this.states.set(id, this.unpack(JSON.parse(packed.json) as SerialisedState));
        continue;
      }
      const { state } = entry as SnapshotEntry;
      if (at !== undefined && this.finishedAt(state, at)) {
        this.dormant.set(id, { head: headOf(state), state });
        continue;
      }
      this.states.set(id, this.unpack(state));
    }
    this.tracker.restore(snap.miners ?? []);
  }

  /** Whether the rollout's verdict stopped moving by `atMs`: its last event plus its horizon is past. */
  private finishedAt(head: RolloutHead, atMs: number): boolean {
    return head.maxEventMs !== null && head.maxEventMs + this.horizonOf(this.policyFor(head)) <= atMs;
  }

  /** How many rollouts are packed (restored or packed dormant, not read or fed since). */
  dormantRollouts(): number {
    return this.dormant.size;
  }

  /**
   * Packs the given rollouts that are finished at `atMs` (last event + horizon passed) into their
   * snapshot form, JSON text beside a head, as a restore with `deferFinishedAt` would hold them:
   * a finished rollout's verdict cannot move, and a detector keeps it for its retention (24 h by
   * default) only to answer reads. Packed, it costs its JSON's bytes instead of its objects, and
   * every later snapshot writes that text back as it is instead of serialising it again. A read
   * or a late event unpacks it, with the same answers. Returns how many were packed.
   */
  pack(rollouts: Iterable<string>, atMs: number): number {
    let packed = 0;
    for (const id of rollouts) {
      const state = this.states.get(id);
      if (!state || !this.finishedAt(state, atMs)) continue;
      this.dormant.set(id, { head: headOf(state), json: JSON.stringify(serialise(state)) });
      this.states.delete(id);
      packed++;
    }
    return packed;
  }

  /** The rollout's live state, unpacking it first if it was restored dormant. */
  private live(rollout: string): RolloutState | undefined {
    const state = this.states.get(rollout);
    if (state) return state;
    const entry = this.dormant.get(rollout);
    if (!entry) return undefined;
    this.dormant.delete(rollout);
    const restored = this.unpack(entry.state ?? (JSON.parse(entry.json!) as SerialisedState));
    this.states.set(rollout, restored);
    return restored;
  }

  private unpack(state: SerialisedState): RolloutState {
    const windows: RolloutState['windows'] = {};
    for (const [k, w] of Object.entries(state.windows)) {
      const instances = dict<InstanceWindow>();
      for (const id in w.instances) instances[id] = unpackWindow(w.instances[id]!);
      windows[k] = { start: w.start, instances, external: copyExternal(w.external), ids: w.ids ? new Set(w.ids) : null };
    }
    // The windows are rebuilt above: clone the rest only (cloning them too doubled the work).
    const cloned = structuredClone({ ...state, windows: {} });
    const restored = { ...cloned, instances: dict(cloned.instances), batchStarts: dict(cloned.batchStarts), versionsFirstSeen: dict(cloned.versionsFirstSeen), windows } as RolloutState;
    if (this.memoise) memoiseInputs(restored);
    return restored;
  }

  evict(olderThanMs: number): string[] {
    const dropped: string[] = [];
    for (const [id, entry] of this.dormant) {
      if (entry.head.maxEventMs !== null && entry.head.maxEventMs < olderThanMs) {
        this.dormant.delete(id);
        this.specs.delete(id);
        this.resolved.delete(id);
        dropped.push(id);
      }
    }
    for (const [id, s] of this.states) {
      if (s.maxEventMs !== null && s.maxEventMs < olderThanMs) {
        this.states.delete(id);
        this.specs.delete(id);
        this.resolved.delete(id);
        dropped.push(id);
      }
    }
    return dropped.sort();
  }

  forget(rollout: string): boolean {
    this.specs.delete(rollout);
    this.resolved.delete(rollout);
    const wasDormant = this.dormant.delete(rollout);
    return this.states.delete(rollout) || wasDormant;
  }

  lastEventMs(rollout: string): number | null {
    return this.head(rollout)?.maxEventMs ?? null;
  }

  evaluationHorizonMs(rollout: string): number {
    return this.horizonOf(this.policyOf(rollout));
  }

  private horizonOf(policy: Policy): number {
    return Math.max(policy.noData.timeout, policy.thresholds.unavailableFor) + policy.analysis.lateness + policy.analysis.interval;
  }

  /** The rollout's identifying fields, live or dormant, without unpacking it. */
  private head(rollout: string): RolloutHead | undefined {
    return this.states.get(rollout) ?? this.dormant.get(rollout)?.head;
  }

  /** The effective policy of a rollout (named or inline spec policy, then service/rollout overrides). */
  policyOf(rollout: string): Policy {
    return this.policyFor(this.head(rollout) ?? this.stateFor(rollout));
  }

  private evaluateBatches(state: RolloutState, policy: Policy, horizon: number, latest: number): EvaluationResult {
    const spec = this.specs.get(state.id);
    const batches = batchNumbers(state).map((n) => evaluateBatchGates(state, policy, n, latest, spec));
    const reasons = batches.flatMap((b) => b.reasons);
    const noGo = batches.filter((b) => b.decision === 'no-go');
    const decision = noGo.length > 0 ? 'no-go' : batches.length === 0 || batches.some((b) => b.decision === 'pending') ? 'pending' : 'go';
    if (batches.length === 0) reasons.push({ signal: 'batch', severity: 'info', message: 'no event labelled with a batch number yet (labels.batch = "1", "2", ...)' });
    const passed = batches.reduce((n, b) => n + b.gatesPassed, 0);
    const total = batches.reduce((n, b) => n + b.gatesTotal, 0);
    const firstNoGo = noGo.map((b) => b.noGoAt!).sort((a, b) => a - b)[0];
    const result: EvaluationResult = {
      rollout: state.id,
      decision,
      score: decision === 'no-go' ? capScore(total > 0 ? Math.round((100 * passed) / total) : null, policy) : total > 0 ? Math.round((100 * passed) / total) : null,
      reasons,
      noGoAt: firstNoGo === undefined ? null : iso(firstNoGo),
      evaluatedAt: iso(Math.max(horizon, latest)),
      batches: batches.map((b) => ({ batch: b.batch, decision: b.decision, reasons: b.reasons })),
    };
    if (state.service !== undefined) result.service = state.service;
    if (decision === 'no-go') {
      const failing = noGo.flatMap((b) => b.reasons.filter((r) => r.severity === 'fail' || r.severity === 'critical'));
      result.cause = failing.length > 0 && failing.every((r) => r.cause === 'environment') ? 'environment' : 'release';
    }
    return result;
  }

  private emptyResult(rollout: string, atMs?: number): EvaluationResult {
    const registered = this.head(rollout)?.registered ?? false;
    return {
      rollout,
      decision: 'pending',
      score: null,
      reasons: [{ signal: 'no_data', severity: 'info', message: registered ? 'registered; no events yet' : `unknown rollout "${rollout}": no events yet` }],
      noGoAt: null,
      evaluatedAt: iso(atMs ?? 0),
    };
  }

  private stateFor(rollout: string): RolloutState {
    let s = this.live(rollout);
    if (!s) {
      s = newRolloutState(rollout);
      this.states.set(rollout, s);
      if (this.memoise) memoiseInputs(s);
    }
    return s;
  }

  private policyFor(state: Pick<RolloutState, 'id' | 'service' | 'policyLabel'>, serviceHint?: string): Policy {
    const spec = this.specs.get(state.id);
    const service = spec?.service ?? state.service ?? serviceHint;
    const named = typeof spec?.policy === 'string' ? spec.policy : spec?.policy === undefined ? state.policyLabel : undefined;
    const hit = this.resolved.get(state.id);
    if (hit && hit.service === service && hit.named === named) return hit.policy;
    let policy = this.basePolicy;
    if (named !== undefined) policy = this.named.get(named) ?? this.basePolicy;
    else if (spec?.policy && typeof spec.policy === 'object') policy = loadPolicy(spec.policy, this.basePolicy);
    policy = resolvePolicy(policy, { rollout: state.id, ...(service !== undefined ? { service } : {}) });
    this.resolved.set(state.id, { service, named, policy });
    return policy;
  }
}

function toPolicy(p: Policy | Record<string, unknown> | string | undefined, base: Policy): Policy {
  if (p === undefined) return base;
  return loadPolicy(p as Record<string, unknown> | string, base);
}

/** A live state in snapshot form: windows packed (state/packed.ts), the rest cloned. */
function serialise(state: RolloutState): SerialisedState {
  const windows: SerialisedState['windows'] = {};
  for (const [k, w] of Object.entries(state.windows)) {
    const instances: Record<string, number[]> = {};
    for (const id in w.instances) instances[id] = packWindow(w.instances[id]!);
    windows[k] = { start: w.start, instances, external: copyExternal(w.external), ids: w.ids ? [...w.ids].sort() : null };
  }
  return { ...structuredClone({ ...state, windows: {} }), windows };
}

function idOf(entry: SnapshotEntry | PackedEntry): string {
  return isPackedEntry(entry) ? entry.head.id : entry.state.id;
}

/** A copy of a window's provider samples (usually none: no clone call then). */
function copyExternal(external: WindowState['external']): WindowState['external'] {
  for (const _ in external) return structuredClone(external);
  return {};
}

function meanOrNull(values: number[]): number | null {
  if (values.length === 0) return null;
  return values.reduce((s, v) => s + v, 0) / values.length;
}

/** A new engine. Pure and synchronous; feed it events with ingest() and ask evaluate(). */
export function createEngine(options: EngineOptions = {}): Engine {
  return new Engine(options);
}

/** An engine with the state of `snapshot` (pass the same options the snapshot's engine had). */
export function restoreEngine(snapshot: unknown, options: EngineOptions = {}): Engine {
  const engine = new Engine(options);
  engine.restore(snapshot);
  return engine;
}
