import { errorMessage, type Logger } from '@rollwatch/core';
import type { KeyedLock } from '../exactly-once/keyed-lock.js';
import type { RolloutStateStore } from '../exactly-once/state-store.js';
import type { RolloutState } from '../policy/types.js';
import type { Notice, Notifier } from './interface.js';

const TARGET = 'notifier:alertmanager';

/** Whether the state's open alert was (meant to be) posted to Alertmanager for real (not a dry run). */
export function hasOpenAlertmanagerAlert(state: RolloutState): boolean {
  return state.openAlert !== null && state.lastVerdict !== null && state.openAlert.notified.some((n) => n.target === TARGET && !n.dryRun);
}

/** Pure: the re-post of a still-open alert: same identity (labels, startsAt), endsAt pushed ahead by the notifier. */
export function resendNotice(state: RolloutState, links: Notice['links']): Notice {
  const open = state.openAlert!;
  const verdict = state.lastVerdict!;
  return {
    kind: 'notify',
    verdict,
    previousDecision: null,
    alertDecision: open.decision,
    summary: `still ${verdict.decision} (alert open since ${open.startsAt})`,
    idempotencyKey: `${state.rollout}|${open.sequence}|${TARGET}|resend`,
    links,
    startsAt: open.startsAt,
  };
}

export interface AlertmanagerResenderOptions {
  notifier: Notifier;
  states: RolloutStateStore;
  /** The processor's per-rollout lock: a re-post never overtakes the resolve of the same rollout. */
  lock: KeyedLock;
  links: (rollout: string) => Notice['links'];
  logger: Logger;
}

/**
 * Alertmanager forgets an alert that is not re-sent (after its endsAt, or resolve_timeout when none
 * is given). Clients must keep posting active alerts: this re-posts every open one each interval,
 * until a go (or an override) resolves it through the normal path.
 */
export class AlertmanagerResender {
  private readonly open = new Set<string>();
  private running: Promise<number> | undefined;

  constructor(private readonly options: AlertmanagerResenderOptions) {}

  /** Called on every saved state (and for the unresolved ones at start-up). */
  track(state: RolloutState): void {
    if (hasOpenAlertmanagerAlert(state)) this.open.add(state.rollout);
    else this.open.delete(state.rollout);
  }

  tracked(): string[] {
    return [...this.open];
  }

  /** One round of re-posts; returns how many were sent. Rounds never overlap. */
  resendAll(): Promise<number> {
    this.running ??= this.round().finally(() => (this.running = undefined));
    return this.running;
  }

  private async round(): Promise<number> {
    let sent = 0;
    for (const rollout of [...this.open]) {
      await this.options.lock.run(rollout, async () => {
        const state = await this.options.states.load(rollout);
        if (!hasOpenAlertmanagerAlert(state)) {
          this.open.delete(rollout);
          return;
        }
        const result = await this.options.notifier.send(resendNotice(state, this.options.links(rollout)));
        if (result.status === 'success') sent++;
        else this.options.logger.warn({ rollout, err: result.error }, 'alertmanager re-post failed; trying again next interval');
      }).catch((error: unknown) => this.options.logger.warn({ rollout, err: errorMessage(error) }, 'alertmanager re-post failed'));
    }
    return sent;
  }
}
