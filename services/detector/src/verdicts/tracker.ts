import { EventEmitter } from 'node:events';
import { INDICES, Pacer, TOPICS, deadLetterDocument, errorMessage, isPermanent, retryThrowing, type Bus, type BusMessage, type Logger, type OverrideCommand, type RetryOptions, type Store, type StoreDoc, type Verdict } from '@rollwatch/core';
import type { AnalysisEngine } from '@rollwatch/analysis';
import type { DetectorMetrics } from '../metrics.js';
import { anomalyDocuments, isAnomaly, significantChange, toVerdict, verdictDocument, type UnnumberedVerdict } from './change.js';

export interface VerdictTrackerOptions {
  engine: AnalysisEngine;
  bus: Bus;
  store: Store;
  logger: Logger;
  metrics: DetectorMetrics;
  minScoreDelta: number;
  /** Labels of a registered rollout, copied onto its verdicts for routing downstream. */
  labelsFor: (rollout: string) => Record<string, string> | undefined;
  /** The revision a rollout key stands for (set on its verdicts). */
  revisionOf?: (rollout: string) => string | undefined;
  /** The last verdict stored for a rollout (by any replica or an earlier run); numbering continues after it. */
  loadLast: (rollout: string) => Promise<Verdict | undefined>;
  /** Wall clock (ms) at which live evaluations are made. */
  now?: () => number;
  /** The time to evaluate a rollout at (default: now); see AnalysisEngine.evaluationHorizonMs. */
  evaluationTime?: (rollout: string, now: number) => number;
  retry?: Partial<RetryOptions>;
  /** Named in dead letters (the consumer group). */
  consumer?: string;
}

/**
 * Owns the verdict of every tracked rollout: evaluates, numbers, persists and publishes changes.
 * All mutations run one at a time (consumer batches and the timer both call in), so sequences stay
 * strictly monotonic per rollout within a process.
 */
export class VerdictTracker {
  /** Last verdict persisted and published per rollout (the sequence authority). */
  private readonly published = new Map<string, Verdict>();
  /** Latest evaluation per rollout, carrying the sequence of the last published verdict. */
  private readonly current = new Map<string, Verdict>();
  /** Rollouts this replica publishes for (it consumes their partition, restored them, or registered them). */
  private readonly owned = new Set<string>();
  /** Rollouts whose stored history has been looked up (sequence numbering is safe to continue). */
  private readonly seeded = new Set<string>();
  /** Wall-clock ms of each rollout's last evaluation (lets the timer skip freshly evaluated ones). */
  private readonly evaluatedAt = new Map<string, number>();
  /** The time (ms) each rollout was last evaluated *at* (see `settled`). */
  private readonly evaluatedFor = new Map<string, number>();
  private readonly changes = new EventEmitter();
  private serial: Promise<unknown> = Promise.resolve();
  /** Decisions a person forced (POST /rollouts/{id}/override): they win over the engine. */
  private readonly overrides = new Map<string, Verdict>();
  private readonly now: () => number;

  constructor(private readonly options: VerdictTrackerOptions) {
    this.now = options.now ?? Date.now;
    this.changes.setMaxListeners(0);
  }

  claim(rollout: string): void {
    this.owned.add(rollout);
  }

  /** Seeds the last published verdict (from the store) so sequences continue after a restart. */
  seed(verdict: Verdict): void {
    this.seeded.add(verdict.rollout);
    if (verdict.overridden) this.overrides.set(verdict.rollout, verdict);
    const known = this.published.get(verdict.rollout);
    if (!known || known.sequence < verdict.sequence) {
      this.published.set(verdict.rollout, verdict);
      this.current.set(verdict.rollout, verdict);
    }
  }

  lastPublished(rollout: string): Verdict | undefined {
    return this.published.get(rollout);
  }

  /** The latest evaluation (at most one evaluation interval old); undefined if never evaluated. */
  latest(rollout: string): Verdict | undefined {
    return this.current.get(rollout);
  }

  all(): Verdict[] {
    return [...this.current.values()];
  }

  forget(rollout: string): void {
    this.published.delete(rollout);
    this.current.delete(rollout);
    this.owned.delete(rollout);
    this.seeded.delete(rollout);
    this.evaluatedAt.delete(rollout);
    this.evaluatedFor.delete(rollout);
  }

  /** Something besides its events changed (its registration): the next round evaluates it again. */
  invalidate(rollout: string): void {
    this.evaluatedFor.delete(rollout);
  }

  /**
   * What the periodic round must look at, most overdue first: rollouts not evaluated within
   * `maxAgeMs` and not settled. A rollout is settled when its evaluation time has stopped moving
   * (history past its horizon: `evaluationTime` < now) and it was already evaluated at exactly that
   * time: the engine is deterministic, so a new evaluation would give the same verdict. New events,
   * a registration (`invalidate`) or a restore evaluate it again through their own paths.
   */
  due(rollouts: Iterable<string>, maxAgeMs: number): string[] {
    const wall = this.now();
    const cutoff = wall - maxAgeMs;
    const due: string[] = [];
    for (const rollout of rollouts) {
      if ((this.evaluatedAt.get(rollout) ?? -Infinity) > cutoff) continue;
      if (this.settled(rollout, wall)) continue;
      due.push(rollout);
    }
    return due.sort((a, b) => (this.evaluatedAt.get(a) ?? -Infinity) - (this.evaluatedAt.get(b) ?? -Infinity));
  }

  /**
   * Whether the rollout's verdict is final here: its evaluation time has stopped moving (history
   * past its horizon) and it was evaluated, and its verdict persisted, at exactly that time.
   */
  settled(rollout: string, wall = this.now()): boolean {
    const last = this.evaluatedFor.get(rollout);
    if (last === undefined || !this.options.evaluationTime) return false;
    const at = this.options.evaluationTime(rollout, wall);
    return at < wall && at === last;
  }

  /**
   * Restored rollouts that were settled when their checkpoint was written, with no event replayed
   * since: their verdict is the one the previous owner published, and the engine is deterministic,
   * so the rounds need not judge them again (that unpacked every finished rollout the checkpoint
   * held, right after each restore). They are marked settled at their final evaluation time; a
   * read evaluates one on demand (seeded from its stored verdict, so nothing is re-published), and
   * a new event or registration makes it due as usual.
   */
  restoreSettled(rollouts: Iterable<string>): number {
    const wall = this.now();
    let marked = 0;
    for (const rollout of rollouts) {
      const at = this.options.evaluationTime?.(rollout, wall);
      if (at === undefined || at >= wall) continue;
      this.evaluatedAt.set(rollout, wall);
      this.evaluatedFor.set(rollout, at);
      marked++;
    }
    return marked;
  }

  /**
   * Evaluates `rollouts` from index `from` on, for at most `budgetMs`, as one turn of the serial
   * queue; resolves with the index to continue from. The periodic round calls it chunk after chunk,
   * so consumer batches queued meanwhile run between chunks instead of waiting for the whole round.
   */
  evaluateFor(rollouts: readonly string[], from: number, budgetMs: number): Promise<number> {
    const run = this.serial.then(async () => {
      const end = performance.now() + budgetMs;
      let next = from;
      const failures: unknown[] = [];
      while (next < rollouts.length && (next === from || performance.now() < end)) {
        await this.evaluateSlice(rollouts, next, end, failures).then((n) => (next = n));
      }
      if (failures.length > 0) throw failures[0];
      return next;
    });
    this.serial = run.catch(() => undefined);
    return run;
  }

  /** One slice of at most one pacer slice (at least one rollout), then a yield to the event loop. */
  private async evaluateSlice(rollouts: readonly string[], from: number, end: number, failures: unknown[]): Promise<number> {
    const pacer = new Pacer();
    let next = from;
    do {
      try {
        await this.evaluateOne(rollouts[next]!);
      } catch (error) {
        failures.push(error);
      }
      next++;
    } while (next < rollouts.length && !pacer.due() && performance.now() < end);
    await pacer.yieldNow();
    return next;
  }

  /** Rollouts not evaluated within the last `maxAgeMs` (the periodic pass needs only those). */
  stale(rollouts: Iterable<string>, maxAgeMs: number): string[] {
    const cutoff = this.now() - maxAgeMs;
    return [...rollouts].filter((r) => (this.evaluatedAt.get(r) ?? -Infinity) <= cutoff);
  }

  onChange(listener: (verdict: Verdict) => void): () => void {
    this.changes.on('verdict', listener);
    return () => this.changes.off('verdict', listener);
  }

  /** Evaluates the given rollouts now and publishes the significant changes. Throws if persisting fails. */
  evaluate(rollouts: Iterable<string>): Promise<Verdict[]> {
    const list = [...new Set(rollouts)];
    const run = this.serial.then(() => this.evaluateSerially(list));
    this.serial = run.catch(() => undefined);
    return run;
  }

  private async evaluateSerially(rollouts: string[]): Promise<Verdict[]> {
    const changed: Verdict[] = [];
    const failures: unknown[] = [];
    // Tens of thousands of rollouts, or one with thousands of instances, must not hold the event
    // loop: /healthz and the API answer between slices. The first yield also parts this work from
    // the consumer batch (decode, store, ingest) that asked for it, so the two never share a turn.
    const pacer = new Pacer();
    await pacer.yieldNow();
    for (const rollout of rollouts) {
      if (pacer.due()) await pacer.yieldNow();
      try {
        const verdict = await this.evaluateOne(rollout);
        if (verdict) changed.push(verdict);
      } catch (error) {
        failures.push(error);
      }
    }
    if (failures.length > 0) throw failures[0];
    return changed;
  }

  private async evaluateOne(rollout: string): Promise<Verdict | undefined> {
    const { engine, metrics } = this.options;
    const stop = metrics.evaluationDuration.startTimer();
    let next;
    let evaluatedFor: number;
    try {
      const wall = this.now();
      const at = this.options.evaluationTime ? this.options.evaluationTime(rollout, wall) : wall;
      evaluatedFor = at;
      next = toVerdict(engine.evaluate(rollout, at), this.options.labelsFor(rollout));
      const revision = this.options.revisionOf?.(rollout);
      if (revision) next = { ...next, revision };
      this.evaluatedAt.set(rollout, wall);
    } catch (error) {
      // An engine bug on one rollout must not stall the partition: log it and keep the old verdict.
      metrics.consumerErrors.inc({ stage: 'engine-evaluate' });
      this.options.logger.error({ rollout, err: (error as Error).message }, 'engine failed to evaluate rollout');
      return undefined;
    } finally {
      stop();
    }
    if (!this.seeded.has(rollout)) {
      const stored = await this.options.loadLast(rollout);
      if (stored) this.seed(stored);
      this.seeded.add(rollout);
    }
    const previous = this.published.get(rollout);
    const override = this.overrides.get(rollout);
    next = override ? applyOverride(override, next) : latchNoGo(previous, next);
    const changed = significantChange(previous, next, this.options.minScoreDelta);
    if (!changed || !this.owned.has(rollout)) {
      this.current.set(rollout, { ...next, sequence: previous?.sequence ?? 0 });
      this.evaluatedFor.set(rollout, evaluatedFor);
      return undefined;
    }
    const verdict: Verdict = { ...next, sequence: (previous?.sequence ?? 0) + 1 };
    await this.persist(verdict);
    // Only once persisted: a failed write leaves it due, so the next round tries again.
    this.evaluatedFor.set(rollout, evaluatedFor);
    this.published.set(rollout, verdict);
    this.current.set(rollout, verdict);
    metrics.verdicts.inc({ decision: verdict.decision });
    this.options.logger.info({ rollout, decision: verdict.decision, score: verdict.score, sequence: verdict.sequence }, 'verdict changed');
    this.changes.emit('verdict', verdict);
    return verdict;
  }

  /**
   * A person forces the rollout's decision: numbered here like every verdict (the detector is the
   * one writer of verdicts and sequences), persisted and published; later evaluations keep the
   * forced decision. Runs in the same queue as evaluations, so an override racing a stream of
   * verdicts gets the next sequence, never a duplicate. Idempotent: the same command (a redelivered
   * batch) returns the verdict it already produced.
   */
  override(command: OverrideCommand): Promise<Verdict> {
    const run = this.serial.then(() => this.overrideSerially(command));
    this.serial = run.catch(() => undefined);
    return run;
  }

  private async overrideSerially(command: OverrideCommand): Promise<Verdict> {
    const { rollout } = command;
    if (!this.seeded.has(rollout)) {
      const stored = await this.options.loadLast(rollout);
      if (stored) this.seed(stored);
      this.seeded.add(rollout);
    }
    const existing = this.overrides.get(rollout);
    if (existing?.overridden && existing.overridden.at === command.at && existing.overridden.by === command.by && existing.overridden.reason === command.reason) return existing;
    const previous = this.published.get(rollout);
    const base = this.current.get(rollout) ?? previous;
    const overridden = { by: command.by, reason: command.reason, at: command.at };
    const findings = (base?.reasons ?? []).filter((r) => r.signal !== 'override' && r.signal !== 'latched');
    const verdict: Verdict = {
      ...(base ?? { rollout, score: null }),
      rollout,
      decision: command.decision,
      reasons: [{ signal: 'override', severity: command.decision === 'no-go' ? 'critical' : 'info', message: `decision forced to ${command.decision} by ${command.by} at ${command.at}: ${command.reason}` }, ...findings],
      evaluatedAt: command.at,
      noGoAt: command.decision === 'no-go' ? (base?.noGoAt ?? command.at) : null,
      overridden,
      sequence: (previous?.sequence ?? 0) + 1,
    };
    await this.persist(verdict);
    this.owned.add(rollout);
    this.overrides.set(rollout, verdict);
    this.evaluatedFor.delete(rollout);
    this.published.set(rollout, verdict);
    this.current.set(rollout, verdict);
    this.options.metrics.verdicts.inc({ decision: verdict.decision });
    this.options.logger.info({ rollout, decision: verdict.decision, by: command.by, sequence: verdict.sequence }, 'override applied');
    this.changes.emit('verdict', verdict);
    return verdict;
  }

  /** Store first, then publish: a failed publish retries with the same sequence (never skipped). */
  private async persist(verdict: Verdict): Promise<void> {
    const { bus } = this.options;
    const at = new Date(this.now()).toISOString();
    const retryOptions: Partial<RetryOptions> = { maxAttempts: 4, initialDelayMs: 200, maxDelayMs: 2000, deadlineMs: 10_000, ...this.options.retry };
    await this.store(INDICES.verdicts, [verdictDocument(verdict, at)], retryOptions);
    const anomalies = anomalyDocuments(verdict, at);
    if (anomalies.length > 0) await this.store(INDICES.anomalies, anomalies, retryOptions);
    await retryThrowing(() => bus.publish(TOPICS.verdicts, [{ key: verdict.rollout, value: JSON.stringify(verdict), headers: { 'rollwatch-sequence': String(verdict.sequence) } }]), retryOptions);
  }

  /**
   * Writes documents; one the store refuses for good (a mapping error, too large) is dead-lettered
   * with the reason instead, so the verdict is still published and the partition moves on.
   * Transient failures throw (the batch comes back).
   */
  private async store(index: string, docs: StoreDoc[], retryOptions: Partial<RetryOptions>): Promise<void> {
    const { store, bus, metrics, logger } = this.options;
    try {
      await retryThrowing(() => store.put(index, docs), retryOptions);
      return;
    } catch (error) {
      if (!isPermanent(error)) throw error;
    }
    const dead: BusMessage[] = [];
    for (const doc of docs) {
      try {
        await retryThrowing(() => store.put(index, [doc]), retryOptions);
      } catch (error) {
        if (!isPermanent(error)) throw error;
        logger.error({ index, id: doc.id, err: errorMessage(error) }, 'store refused a document for good; dead-lettered');
        metrics.dlq.inc({ reason: 'store-rejected' });
        dead.push(deadLetterDocument(index, doc, 'detector', this.options.consumer, `store rejected the document: ${errorMessage(error)}`));
      }
    }
    if (dead.length > 0) await retryThrowing(() => bus.publish(TOPICS.dlq, dead), retryOptions);
  }
}

/**
 * A no-go is final for a rollout: the engine is a pure function of the data, so a canary that went
 * quiet (or a signal that recovered) could otherwise flip a rolled-back rollout back to go and
 * re-trigger a promotion. The latch is per rollout key, i.e. per (rollout, revision): like a failed
 * Flagger/Argo analysis, the next release (a new revision) starts clean; a person can still force the
 * decision with an override (detector API, per revision key).
 */
export function latchNoGo(previous: Verdict | undefined, next: UnnumberedVerdict): UnnumberedVerdict {
  if (previous?.decision !== 'no-go' || next.decision === 'no-go') return next;
  return {
    ...next,
    decision: 'no-go',
    noGoAt: previous.noGoAt ?? next.noGoAt,
    cause: previous.cause ?? next.cause,
    reasons: [
      ...previous.reasons.filter(isAnomaly),
      {
        signal: 'latched',
        severity: 'info',
        message: `no-go since ${previous.noGoAt ?? 'an earlier evaluation'} is kept although the latest evaluation says ${next.decision}: a revision judged unsafe stays no-go (a new revision starts clean; or override)`,
      },
    ],
  };
}

/** Keeps the decision a person forced, with the engine's current findings beside it. */
export function applyOverride(override: Verdict, next: UnnumberedVerdict): UnnumberedVerdict {
  const by = override.overridden!;
  return {
    ...next,
    decision: override.decision,
    overridden: by,
    reasons: [{ signal: 'override', severity: 'info', message: `decision forced to ${override.decision} by ${by.by} at ${by.at}: ${by.reason}` }, ...next.reasons],
  };
}
