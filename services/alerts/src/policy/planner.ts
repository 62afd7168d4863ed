import { splitRolloutKey, type Decision, type Verdict } from '@rollwatch/core';
import { selectRoutes, type Route } from '../routing/routes.js';
import { findSilence, type Silence } from './silences.js';
import type { TargetAllowlist } from './target-allowlist.js';
import type { ActionOutcome, PlannedAction, RolloutState, Target } from './types.js';

export interface PlanContext {
  routes: readonly Route[];
  silences: readonly Silence[];
  now: Date;
  /** Global dry run (ALERTS_DRY_RUN). */
  dryRun: boolean;
  cooldownSeconds: number;
  /** ALERTS_K8S_NAMESPACE: an operator's explicit fallback; unset, a target without a namespace is refused. */
  defaultNamespace?: string | undefined;
  /** Operator allow-list of actuation targets; empty = notify only. The executor enforces membership. */
  targets?: TargetAllowlist;
}

export type Plan = { skip: string } | { actions: PlannedAction[]; transition: string };

const ARROW = '→';

export type WorkloadResolution = { namespace: string; name: string } | { refused: string };

/** Actuators that patch Kubernetes objects: they need a namespace, and never get a guessed one. */
export const NAMESPACED_ACTUATORS: readonly string[] = ['argo-rollouts', 'kubernetes-deployment'];

/**
 * Where a route's actuations land. Name: route target, verdict labels (`rollwatch.io/target`, which
 * the detector fills from the Kubernetes events), service, else the rollout id's last segment.
 * Namespace: route target, verdict labels (`rollwatch.io/namespace`), ALERTS_K8S_NAMESPACE when the
 * operator set one, else refused: patching `default/<name>` could hit an unrelated workload.
 */
export function workloadFor(route: Route, verdict: Verdict, defaultNamespace?: string, actuator = 'argo-rollouts'): WorkloadResolution {
  const labels = verdict.labels ?? {};
  const id = splitRolloutKey(verdict.rollout).rollout;
  const name = route.target?.name ?? labels['rollwatch.io/target'] ?? labels.target ?? verdict.service ?? id.slice(id.lastIndexOf('/') + 1);
  const namespace = route.target?.namespace ?? labels['rollwatch.io/namespace'] ?? labels.namespace ?? defaultNamespace;
  if (!namespace) {
    // Webhook and Swarm actuators have no namespaces: the field stays empty rather than invented.
    if (!NAMESPACED_ACTUATORS.includes(actuator)) return { namespace: '', name };
    return { refused: `no namespace for ${name}: set the route's target.namespace or the rollout's label rollwatch.io/namespace (rollwatch never guesses one)` };
  }
  return { namespace, name };
}

/** The actuation's target, or the reason it is refused. */
function targetOf(resolution: WorkloadResolution): Pick<PlannedAction, 'workload' | 'refused'> {
  return 'refused' in resolution ? { refused: resolution.refused } : { workload: resolution };
}

function withinCooldown(since: string | null | undefined, seconds: number, now: Date): boolean {
  return since != null && seconds > 0 && now.getTime() - Date.parse(since) < seconds * 1000;
}

function describeTransition(previous: Decision | null, verdict: Verdict): string {
  if (verdict.overridden) return `forced ${verdict.decision} by ${verdict.overridden.by}: ${verdict.overridden.reason}`;
  return previous === null ? `first verdict is ${verdict.decision}` : `decision changed ${previous} ${ARROW} ${verdict.decision}`;
}

/**
 * Pure: what one verdict means for a rollout. Only a transition (a decision change, or a person's
 * override) does anything, so repeated verdicts with the same decision stay quiet (dedup); a
 * notifier used by several routes is told once per transition (grouping).
 */
export function planVerdict(state: RolloutState, verdict: Verdict, ctx: PlanContext): Plan {
  if (verdict.sequence <= state.lastSequence) return { skip: `stale: sequence ${verdict.sequence} <= ${state.lastSequence} already handled` };
  const previous = state.lastDecision;
  const forced = verdict.overridden !== undefined;
  if (verdict.decision === previous && !forced) return { skip: `no transition: still ${verdict.decision}` };

  const reason = describeTransition(previous, verdict);
  const silence = findSilence(ctx.silences, verdict, ctx.now);
  const actions: PlannedAction[] = [];
  const base = { verdict, previousDecision: previous, reason, startsAt: verdict.noGoAt ?? verdict.evaluatedAt };
  const suppressBy = (route: Route, kind: 'notify' | 'actuate', since: string | null | undefined): PlannedAction['suppressed'] => {
    if (silence) return { status: 'silenced', why: `silenced by ${silence.id} (${silence.createdBy}: ${silence.comment})` };
    const cooldown = route.cooldownSeconds ?? ctx.cooldownSeconds;
    // A person's override is never held back by the cooldown.
    if (!forced && withinCooldown(since, cooldown, ctx.now)) return { status: 'skipped', why: `cooldown: last ${kind} at ${since} (${cooldown}s)` };
    return undefined;
  };

  // Actuation is off until an operator lists targets (ALERTS_ACTUATION_TARGETS): routes only notify.
  const actuationOn = ctx.targets === undefined || ctx.targets.entries.length > 0;
  if (verdict.decision === 'go') {
    // Recovery: resolve what was notified (even when silenced now: it closes what was opened),
    // resume what was paused (on a forced go also what was rolled back: clears Argo's abort).
    for (const told of state.openAlert?.notified ?? []) {
      actions.push({ ...base, kind: 'resolve', target: told.target, route: told.route, dryRun: told.dryRun || ctx.dryRun, startsAt: state.openAlert!.startsAt, alertDecision: state.openAlert!.decision });
    }
    const resumeRoutes = !actuationOn ? [] : selectRoutes(ctx.routes, verdict, 'no-go').filter((r) => (forced && (state.pausedByRoutes.length > 0 || state.rolledBackAt !== null)) || (r.resumeOnGo && state.pausedByRoutes.includes(r.name)));
    const seen = new Set<Target>();
    for (const route of resumeRoutes) {
      for (const actuator of route.actuators) {
        const target: Target = `actuator:${actuator}`;
        if (seen.has(target)) continue;
        seen.add(target);
        actions.push({ ...base, kind: 'resume', target, route: route.name, dryRun: route.dryRun || ctx.dryRun, ...targetOf(workloadFor(route, verdict, ctx.defaultNamespace, actuator)), suppressed: suppressBy(route, 'actuate', null) });
      }
    }
    return { actions, transition: reason };
  }

  const routes = selectRoutes(ctx.routes, verdict, verdict.decision);
  const notified = new Set<Target>();
  for (const route of routes) {
    for (const notifier of route.notifiers) {
      const target: Target = `notifier:${notifier}`;
      if (notified.has(target)) continue;
      notified.add(target);
      actions.push({ ...base, kind: 'notify', target, route: route.name, dryRun: route.dryRun || ctx.dryRun, suppressed: suppressBy(route, 'notify', state.lastNotifiedAt) });
    }
  }
  if (verdict.decision === 'no-go' && actuationOn) {
    const actuated = new Set<string>();
    for (const route of routes) {
      if (route.onNoGo === 'none') continue;
      const kind = route.onNoGo;
      for (const actuator of route.actuators) {
        const target: Target = `actuator:${actuator}`;
        if (actuated.has(target)) continue;
        actuated.add(target);
        let suppressed = suppressBy(route, 'actuate', state.lastActuation[kind]);
        // A second undo would flip a Deployment back to the bad revision: never repeat a rollback.
        if (!suppressed && kind === 'rollback' && state.rolledBackAt) suppressed = { status: 'skipped', why: `already rolled back at ${state.rolledBackAt}` };
        actions.push({ ...base, kind, target, route: route.name, dryRun: route.dryRun || ctx.dryRun, ...targetOf(workloadFor(route, verdict, ctx.defaultNamespace, actuator)), suppressed });
      }
    }
  }
  return { actions, transition: reason };
}

/**
 * Pure: actions that depend on how others went. A successful rollback resolves the alert on the
 * notifiers that were told (route option `resolveOnRollback`).
 */
export function planFollowUps(state: RolloutState, outcomes: readonly ActionOutcome[], routes: readonly Route[]): PlannedAction[] {
  const rollback = outcomes.find((o) => o.action.kind === 'rollback' && o.status === 'succeeded');
  if (!rollback) return [];
  const route = routes.find((r) => r.name === rollback.action.route);
  if (route && !route.resolveOnRollback) return [];
  const told = notifiedTargets(state, outcomes);
  return told.map((t) => ({
    kind: 'resolve' as const,
    target: t.target,
    route: t.route,
    verdict: rollback.action.verdict,
    previousDecision: rollback.action.previousDecision,
    reason: `rolled back by rollwatch${rollback.detail ? ` (${rollback.detail})` : ''}`,
    dryRun: t.dryRun,
    startsAt: state.openAlert?.startsAt ?? rollback.action.startsAt,
    alertDecision: rollback.action.verdict.decision,
  }));
}

const TOLD: readonly string[] = ['succeeded', 'dry-run', 'dead-lettered', 'failed', 'in-progress'];

/** Notifier targets that were (or were meant to be) told about the alert now open. */
function notifiedTargets(state: RolloutState, outcomes: readonly ActionOutcome[]): { target: Target; route: string; dryRun: boolean }[] {
  const fired = outcomes.filter((o) => o.action.kind === 'notify' && TOLD.includes(o.status));
  if (fired.length > 0) return fired.map((o) => ({ target: o.action.target, route: o.action.route, dryRun: o.status === 'dry-run' }));
  return state.openAlert?.notified ?? [];
}

/** Pure: the rollout's state after a verdict and the outcomes of its actions. */
export function applyOutcomes(state: RolloutState, verdict: Verdict, outcomes: readonly ActionOutcome[], now: Date): RolloutState {
  const next: RolloutState = structuredClone(state);
  next.lastSequence = Math.max(state.lastSequence, verdict.sequence);
  next.lastDecision = verdict.decision;
  next.lastVerdict = verdict;
  const at = now.toISOString();
  const notifies = outcomes.filter((o) => o.action.kind === 'notify');
  if (verdict.decision === 'go') {
    next.openAlert = null;
  } else if (notifies.length > 0) {
    const told = notifiedTargets(state, notifies);
    next.openAlert = { decision: verdict.decision, sequence: verdict.sequence, startsAt: verdict.noGoAt ?? verdict.evaluatedAt, notified: told };
    if (notifies.some((o) => o.status === 'succeeded' || o.status === 'dry-run')) next.lastNotifiedAt = at;
  }
  for (const o of outcomes) {
    if (o.status !== 'succeeded') continue;
    const kind = o.action.kind;
    if (kind === 'pause' || kind === 'rollback' || kind === 'resume') next.lastActuation[kind] = at;
    if (kind === 'pause' && !next.pausedByRoutes.includes(o.action.route)) next.pausedByRoutes.push(o.action.route);
    if (kind === 'resume') next.pausedByRoutes = [];
    if (kind === 'rollback') next.rolledBackAt = at;
    if (kind === 'resolve') next.openAlert = null;
  }
  return next;
}

/** Pure: state after a replayed (dead-lettered) action finally succeeded. */
export function applyReplayedOutcome(state: RolloutState, outcome: ActionOutcome, now: Date): RolloutState {
  if (outcome.status !== 'succeeded') return state;
  const next = applyOutcomes(state, state.lastVerdict ?? outcome.action.verdict, [outcome], now);
  // A replay must not rewind what the rollout's latest verdict says.
  next.lastSequence = state.lastSequence;
  next.lastDecision = state.lastDecision;
  next.lastVerdict = state.lastVerdict;
  next.openAlert = outcome.action.kind === 'resolve' ? null : state.openAlert;
  return next;
}
