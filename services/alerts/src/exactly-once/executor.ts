import { retry, type AttemptResult, type Logger, type RetryOptions } from '@rollwatch/core';
import type { Actuation, Actuator } from '../actuators/interface.js';
import type { AlertsMetrics } from '../metrics.js';
import type { Notice, Notifier, NotifierName } from '../notifiers/interface.js';
import { targetRefusal, type TargetAllowlist } from '../policy/target-allowlist.js';
import { DEAD_STATUSES, FINAL_STATUSES, type ActionOutcome, type AuditStatus, type PlannedAction } from '../policy/types.js';
import { newDoc, outcomeFromDoc, type ActionDoc, type AuditLog } from './audit.js';

export interface ExecutorHooks {
  /** Fault injection for tests: runs after the intent is durable, before acting (e.g. SIGKILL). */
  afterIntent?: (doc: ActionDoc) => void | Promise<void>;
}

export interface ExecutorOptions {
  audit: AuditLog;
  notifiers: ReadonlyMap<NotifierName, Notifier>;
  actuator: Actuator | undefined;
  /** The operator allow-list, checked at execution time (so a DLQ replay sees the current list). */
  targets: () => TargetAllowlist;
  links: (rollout: string) => Notice['links'];
  retry: Partial<RetryOptions>;
  metrics: AlertsMetrics;
  logger: Logger;
  hooks?: ExecutorHooks;
  now?: () => Date;
  /** Called when an action became (or stopped being) dead: keeps the DLQ gauge honest. */
  onDeadChanged?: () => void;
}

type Attempt = AttemptResult<{ responseCode: number | null; detail?: string }>;

/**
 * Runs each planned action at most once per idempotency key, and exactly once when the process
 * survives: final record in the audit → return it; otherwise write an `in-progress` intent, act
 * with retries, write the result. A crash after the intent re-acts on redelivery, and receivers
 * dedupe on the same `webhook-id` / `Idempotency-Key`.
 */
export class ActionExecutor {
  private readonly now: () => Date;
  constructor(private readonly options: ExecutorOptions) {
    this.now = options.now ?? (() => new Date());
  }

  async execute(action: PlannedAction, opts: { replay?: boolean; signal?: AbortSignal } = {}): Promise<ActionOutcome> {
    const { audit, logger } = this.options;
    const fresh = newDoc(action, 'in-progress', this.now());
    const existing = await audit.get(fresh.id);
    if (existing && FINAL_STATUSES.includes(existing.status) && !(opts.replay && DEAD_STATUSES.includes(existing.status))) {
      // Already decided by an earlier run: same outcome, and make sure its record reached the topic.
      await audit.publish(existing);
      return outcomeFromDoc(existing, action);
    }
    const priorAttempts = existing?.attempts ?? 0;

    if (action.refused && !action.suppressed) {
      // Refused, not attempted: audited and dead-lettered so a person sees why and can fix the target.
      const doc: ActionDoc = { ...fresh, status: 'dead-lettered', attempts: priorAttempts, error: `refused: ${action.refused}`, reason: `${fresh.reason}; refused: ${action.refused}` };
      return this.finish(doc, action, existing);
    }
    const unavailable = this.unavailableReason(action);
    if (action.suppressed || action.dryRun || unavailable) {
      const status: AuditStatus = action.suppressed?.status ?? (action.dryRun ? 'dry-run' : 'skipped');
      const doc: ActionDoc = { ...fresh, status, attempts: priorAttempts };
      if (!action.suppressed && !action.dryRun) doc.reason = `${doc.reason}; ${unavailable}`;
      return this.finish(doc, action, existing);
    }
    // Whoever pushes events or registers rollouts may pick a workload by label: act only on the
    // ones an operator allowed. A refusal is final for this verdict, and visible in the DLQ.
    const refusal = action.target.startsWith('actuator:') ? targetRefusal(this.options.targets(), action.workload) : undefined;
    if (refusal) {
      logger.warn({ rollout: action.verdict.rollout, kind: action.kind, workload: action.workload, reason: refusal }, 'actuation refused');
      return this.finish({ ...fresh, status: 'dead-lettered', attempts: priorAttempts, error: `refused: ${refusal}` }, action, existing);
    }

    const startedAt = existing?.startedAt ?? fresh.at;
    const intent: ActionDoc = { ...fresh, startedAt, attempts: priorAttempts };
    await audit.write(intent);
    await this.options.hooks?.afterIntent?.(intent);

    const labels = { target: action.target, kind: action.kind };
    const outcome = await retry<{ responseCode: number | null; detail?: string }>((n) => this.attempt(action, fresh.id, opts.signal, n), {
      ...this.options.retry,
      signal: opts.signal,
      onRetry: (info) => {
        this.options.metrics.retries.inc(labels);
        logger.warn({ rollout: action.verdict.rollout, target: action.target, kind: action.kind, attempt: info.attempt, delayMs: info.delayMs, err: info.error }, 'action failed; retrying');
      },
    });
    const result = outcome.result;
    const done = this.now();
    const doc: ActionDoc = {
      ...intent,
      at: done.toISOString(),
      attempts: priorAttempts + outcome.attempts,
      status: result.status === 'success' ? 'succeeded' : result.status === 'failure' ? 'failed' : 'dead-lettered',
      responseCode: result.status === 'success' ? result.value.responseCode : (result.code ?? null),
      error: result.status === 'success' ? null : result.error,
      detail: result.status === 'success' ? (result.value.detail ?? null) : null,
      latencyMs: Math.max(0, done.getTime() - Date.parse(action.verdict.evaluatedAt)),
    };
    if (result.status === 'failure' && result.error === 'aborted') {
      // Shutting down mid-retry: leave the intent in place so the redelivered verdict acts again.
      throw new Error(`aborted while ${action.kind} ${action.target} for ${action.verdict.rollout}`);
    }
    return this.finish(doc, action, existing);
  }

  private async finish(doc: ActionDoc, action: PlannedAction, existing: ActionDoc | undefined): Promise<ActionOutcome> {
    const { audit, metrics, logger } = this.options;
    await audit.write(doc);
    if (DEAD_STATUSES.includes(doc.status)) await audit.deadLetter(doc);
    await audit.publish(doc);
    const labels = { target: doc.target, kind: doc.kind, status: doc.status };
    if (doc.kind === 'notify' || doc.kind === 'resolve') metrics.notifications.inc(labels);
    else metrics.actions.inc(labels);
    if (doc.status === 'succeeded' && doc.latencyMs !== null) metrics.latency.observe({ target: doc.target, kind: doc.kind }, doc.latencyMs / 1000);
    if (DEAD_STATUSES.includes(doc.status) || (existing && DEAD_STATUSES.includes(existing.status))) this.options.onDeadChanged?.();
    const level = doc.status === 'succeeded' || doc.status === 'dry-run' ? 'info' : 'warn';
    logger[level]({ rollout: doc.rollout, kind: doc.kind, target: doc.target, status: doc.status, attempts: doc.attempts, responseCode: doc.responseCode, err: doc.error ?? undefined, reason: doc.reason }, 'action recorded');
    return outcomeFromDoc(doc, action);
  }

  private unavailableReason(action: PlannedAction): string | undefined {
    if (action.target.startsWith('notifier:')) {
      const name = action.target.slice('notifier:'.length) as NotifierName;
      return this.options.notifiers.has(name) ? undefined : `notifier ${name} is not configured`;
    }
    if (action.target.startsWith('actuator:')) {
      const name = action.target.slice('actuator:'.length);
      return this.options.actuator?.name === name ? undefined : `actuator ${name} is not configured`;
    }
    return undefined;
  }

  private async attempt(action: PlannedAction, id: string, signal: AbortSignal | undefined, _n: number): Promise<Attempt> {
    if (action.target.startsWith('notifier:')) {
      const notifier = this.options.notifiers.get(action.target.slice('notifier:'.length) as NotifierName)!;
      const notice: Notice = {
        kind: action.kind === 'resolve' ? 'resolve' : 'notify',
        verdict: action.verdict,
        previousDecision: action.previousDecision,
        alertDecision: action.alertDecision ?? action.verdict.decision,
        summary: action.reason,
        idempotencyKey: id,
        links: this.options.links(action.verdict.rollout),
        startsAt: action.startsAt,
        endsAt: action.kind === 'resolve' ? this.now().toISOString() : undefined,
      };
      return notifier.send(notice, signal);
    }
    const actuator = this.options.actuator!;
    if (!action.workload) return { status: 'failure', error: `refused: ${action.refused ?? 'no target workload (namespace and name)'}` };
    const request = { rollout: action.verdict.rollout, target: action.workload, verdict: action.verdict, reason: action.reason, idempotencyKey: id };
    let result: AttemptResult<Actuation>;
    switch (action.kind) {
      case 'pause':
        result = await actuator.pause(request, signal);
        break;
      case 'rollback':
        result = await actuator.rollback(request, signal);
        break;
      case 'resume':
        result = await actuator.resume(request, signal);
        break;
      default:
        return { status: 'failure', error: `actuators cannot ${action.kind}` };
    }
    return result;
  }
}
