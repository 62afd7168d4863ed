import { DLQ_TYPES, dlqRecord, retryThrowing, TOPICS, verdictSchema, type Bus, type ConsumedMessage, type FieldError, type Logger, type Verdict } from '@rollwatch/core';
import { newDoc, type AuditLog } from './exactly-once/audit.js';
import type { ActionExecutor } from './exactly-once/executor.js';
import type { KeyedLock } from './exactly-once/keyed-lock.js';
import type { RolloutStateStore } from './exactly-once/state-store.js';
import type { AlertsMetrics } from './metrics.js';
import { applyOutcomes, planFollowUps, planVerdict, type PlanContext } from './policy/planner.js';
import type { ActionOutcome, PlannedAction } from './policy/types.js';

export interface ProcessorOptions {
  bus: Bus;
  executor: ActionExecutor;
  audit: AuditLog;
  states: RolloutStateStore;
  lock: KeyedLock;
  context: () => PlanContext;
  metrics: AlertsMetrics;
  logger: Logger;
  signal?: AbortSignal;
}

// Different rollouts are independent: handle a few at once, each rollout's verdicts in order.
const ROLLOUT_CONCURRENCY = 8;

/** Consumes verdict batches; resolves only when every outcome is durable (then the bus commits). */
export class VerdictProcessor {
  constructor(private readonly options: ProcessorOptions) {}

  async handleBatch(batch: ConsumedMessage[]): Promise<void> {
    const byRollout = new Map<string, Verdict[]>();
    for (const message of batch) {
      const verdict = await this.decode(message);
      if (!verdict) continue;
      const list = byRollout.get(verdict.rollout) ?? [];
      list.push(verdict);
      byRollout.set(verdict.rollout, list);
    }
    const queue = [...byRollout.values()];
    const workers = Array.from({ length: Math.min(ROLLOUT_CONCURRENCY, queue.length) }, async () => {
      for (let verdicts = queue.shift(); verdicts; verdicts = queue.shift()) {
        for (const verdict of verdicts) await this.handleVerdict(verdict);
      }
    });
    await Promise.all(workers);
  }

  /** Handles one verdict for its rollout (a person's override is a verdict too, numbered by the detector). */
  handleVerdict(verdict: Verdict): Promise<ActionOutcome[]> {
    const { lock, states, metrics, logger } = this.options;
    return lock.run(verdict.rollout, async () => {
      const state = await states.load(verdict.rollout);
      const ctx = this.options.context();
      const plan = planVerdict(state, verdict, ctx);
      if ('skip' in plan) {
        metrics.verdicts.inc({ result: plan.skip.startsWith('stale') ? 'stale' : 'no-transition' });
        // Still remember the latest verdict, so an override routes with current service/labels.
        if (!plan.skip.startsWith('stale')) await states.save({ ...state, lastSequence: verdict.sequence, lastVerdict: verdict });
        logger.debug({ rollout: verdict.rollout, sequence: verdict.sequence, why: plan.skip }, 'verdict needs no action');
        return [];
      }
      metrics.verdicts.inc({ result: 'transition' });
      logger.info({ rollout: verdict.rollout, sequence: verdict.sequence, transition: plan.transition, actions: plan.actions.map(describe) }, 'rollout transition');
      if (verdict.overridden) await this.auditOverride(verdict, state.lastDecision, ctx.now);
      const outcomes = await this.runAll(plan.actions);
      const followUps = planFollowUps(state, outcomes, ctx.routes);
      for (const outcome of await this.runAll(followUps)) outcomes.push(outcome);
      await states.save(applyOutcomes(state, verdict, outcomes, ctx.now));
      return outcomes;
    });
    function describe(a: PlannedAction): string {
      return `${a.kind}:${a.target}${a.suppressed ? `(${a.suppressed.status})` : a.dryRun ? '(dry-run)' : ''}`;
    }
  }

  /**
   * Records who forced the decision and why, as an `override` action: its id comes from (rollout,
   * sequence), so a redelivered verdict rewrites the same record rather than adding one.
   */
  private async auditOverride(verdict: Verdict, previousDecision: Verdict['decision'] | null, now: Date): Promise<void> {
    const by = verdict.overridden!;
    const doc = {
      ...newDoc({ kind: 'override', target: 'api', route: '-', verdict, previousDecision, reason: `forced ${verdict.decision}: ${by.reason}`, dryRun: false, startsAt: by.at, by: by.by }, 'succeeded', now),
      responseCode: 202,
    };
    const known = await this.options.audit.get(doc.id);
    await this.options.audit.write(known ? { ...doc, at: known.at } : doc);
    await this.options.audit.publish(known ? { ...doc, at: known.at } : doc);
    if (!known) this.options.metrics.actions.inc({ target: 'api', kind: 'override', status: 'succeeded' });
  }

  private runAll(actions: PlannedAction[]): Promise<ActionOutcome[]> {
    // Notifications and actuations go out together: a slow receiver must not delay the rollback.
    return Promise.all(actions.map((a) => this.options.executor.execute(a, { signal: this.options.signal })));
  }

  /** A message that is not a verdict goes to the DLQ (never blocks the partition, never crashes). */
  private async decode(message: ConsumedMessage): Promise<Verdict | undefined> {
    let raw: unknown;
    let error: string;
    let fields: FieldError[] = [];
    try {
      raw = JSON.parse(message.value);
      const parsed = verdictSchema.safeParse(raw);
      if (parsed.success) return parsed.data;
      fields = parsed.error.issues.map((i) => ({ field: i.path.join('.') || '(verdict)', message: i.message }));
      error = fields.map((f) => `${f.field}: ${f.message}`).join('; ');
    } catch (e) {
      error = `not JSON: ${(e as Error).message}`;
    }
    this.options.metrics.verdicts.inc({ result: 'invalid' });
    this.options.logger.warn({ topic: message.topic, partition: message.partition, offset: message.offset, err: error }, 'invalid verdict; dead-lettered');
    const record = dlqRecord(
      { type: DLQ_TYPES.message, source: 'alerts', sourceTopic: message.topic, partition: message.partition, offset: message.offset, key: message.key, error, fields, at: new Date().toISOString(), value: message.value },
      message.key,
    );
    await retryThrowing(() => this.options.bus.publish(TOPICS.dlq, [record]), { maxAttempts: 5, initialDelayMs: 100, maxDelayMs: 2000 });
    return undefined;
  }
}
