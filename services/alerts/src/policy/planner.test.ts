import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { verdict } from '../testing/fixtures.js';
import { parseRoutes, type Route } from '../routing/routes.js';
import { applyOutcomes, planFollowUps, planVerdict, workloadFor, type PlanContext, type Plan } from './planner.js';
import type { Silence } from './silences.js';
import { parseTargetAllowlist } from './target-allowlist.js';
import { emptyState, type ActionOutcome, type PlannedAction, type RolloutState } from './types.js';

const defaults = { configuredNotifiers: ['slack', 'webhook', 'alertmanager'] as ('slack' | 'webhook' | 'alertmanager')[], actuator: 'argo-rollouts' as const, onNoGo: 'rollback' as const };
const now = new Date('2030-01-01T12:00:00Z');

function ctx(routes: Route[], more: Partial<PlanContext> = {}): PlanContext {
  return { routes, silences: [], now, dryRun: false, cooldownSeconds: 300, defaultNamespace: 'default', ...more };
}
const catchAll = parseRoutes('routes: [{ name: all }]', defaults);

function actions(plan: Plan): PlannedAction[] {
  assert.ok('actions' in plan, `expected actions, got skip: ${'skip' in plan ? plan.skip : ''}`);
  return plan.actions;
}
function summary(plan: Plan): string[] {
  return actions(plan).map((a) => `${a.kind} ${a.target}${a.suppressed ? ` ${a.suppressed.status}` : ''}${a.dryRun ? ' dry-run' : ''}`);
}
function succeed(list: PlannedAction[], status: ActionOutcome['status'] = 'succeeded'): ActionOutcome[] {
  return list.map((action, i) => ({ action, id: `a${i}`, status, attempts: 1, responseCode: 200, error: null }));
}
/** Runs verdicts through plan → (all succeed) → follow-ups → apply, returning every action. */
function run(state: RolloutState, verdicts: ReturnType<typeof verdict>[], c: PlanContext): { state: RolloutState; log: string[] } {
  const log: string[] = [];
  for (const v of verdicts) {
    const plan = planVerdict(state, v, c);
    if ('skip' in plan) {
      log.push(`skip ${v.sequence}`);
      continue;
    }
    const outcomes = succeed(plan.actions.filter((a) => !a.suppressed));
    const followUps = planFollowUps(state, outcomes, c.routes);
    outcomes.push(...succeed(followUps));
    log.push(...outcomes.map((o) => `${v.sequence} ${o.action.kind} ${o.action.target}`));
    state = applyOutcomes(state, v, outcomes, c.now);
  }
  return { state, log };
}

describe('planVerdict: transitions and dedup', () => {
  it('a first no-go notifies every notifier once and rolls back once', () => {
    assert.deepEqual(summary(planVerdict(emptyState('checkout-v2'), verdict(), ctx(catchAll))), [
      'notify notifier:slack',
      'notify notifier:webhook',
      'notify notifier:alertmanager',
      'rollback actuator:argo-rollouts',
    ]);
  });

  it('repeated verdicts with the same decision do nothing; stale sequences are skipped', () => {
    const { log } = run(emptyState('checkout-v2'), [verdict({ sequence: 1 }), verdict({ sequence: 2 }), verdict({ sequence: 2 }), verdict({ sequence: 1, decision: 'go' })], ctx(catchAll));
    assert.deepEqual(log.filter((l) => l.startsWith('skip')), ['skip 2', 'skip 2', 'skip 1']);
    assert.equal(log.filter((l) => l.includes('notify notifier:slack')).length, 1);
  });

  it('a first go or pending is quiet', () => {
    assert.deepEqual(summary(planVerdict(emptyState('r'), verdict({ decision: 'go' }), ctx(catchAll))), []);
    assert.deepEqual(summary(planVerdict(emptyState('r'), verdict({ decision: 'pending' }), ctx(catchAll))), []);
  });

  it('a successful rollback resolves the alert on the notifiers that were told, once', () => {
    const { state, log } = run(emptyState('checkout-v2'), [verdict({ sequence: 1 }), verdict({ sequence: 2 })], ctx(catchAll));
    assert.deepEqual(log.filter((l) => l.includes('resolve')), ['1 resolve notifier:slack', '1 resolve notifier:webhook', '1 resolve notifier:alertmanager']);
    assert.equal(state.openAlert, null);
    assert.equal(state.rolledBackAt, now.toISOString());
  });

  it('recovery to go resolves an open alert (pause route, no rollback)', () => {
    const routes = parseRoutes('routes: [{ name: p, onNoGo: pause, notifiers: [slack] }]', defaults);
    const { log, state } = run(emptyState('r'), [verdict({ sequence: 1 }), verdict({ sequence: 2, decision: 'go' })], ctx(routes));
    assert.deepEqual(log, ['1 notify notifier:slack', '1 pause actuator:argo-rollouts', '2 resolve notifier:slack']);
    assert.equal(state.openAlert, null);
    assert.deepEqual(state.pausedByRoutes, ['p']);
  });

  it('resumes on go only when the route says resumeOnGo and it paused', () => {
    const routes = parseRoutes('routes: [{ name: p, onNoGo: pause, notifiers: [slack], resumeOnGo: true }]', defaults);
    const { log, state } = run(emptyState('r'), [verdict({ sequence: 1 }), verdict({ sequence: 2, decision: 'go' })], ctx(routes));
    assert.ok(log.includes('2 resume actuator:argo-rollouts'));
    assert.deepEqual(state.pausedByRoutes, []);
  });

  it('no-go → pending keeps the alert open (no resolve), pending → go resolves it', () => {
    const routes = parseRoutes('routes: [{ name: p, onNoGo: none, notifiers: [slack] }]', defaults);
    const { log } = run(emptyState('r'), [verdict({ sequence: 1 }), verdict({ sequence: 2, decision: 'pending' }), verdict({ sequence: 3, decision: 'go' })], ctx(routes));
    assert.deepEqual(log, ['1 notify notifier:slack', '3 resolve notifier:slack']);
  });
});

describe('planVerdict: grouping, silences, cooldown, dry run', () => {
  it('a notifier used by two matching routes is told once per transition', () => {
    const routes = parseRoutes('routes: [{ name: a, notifiers: [slack], continue: true }, { name: b, notifiers: [slack, webhook] }]', defaults);
    assert.deepEqual(summary(planVerdict(emptyState('r'), verdict(), ctx(routes))), ['notify notifier:slack', 'notify notifier:webhook', 'rollback actuator:argo-rollouts']);
  });

  it('an active silence records everything as silenced', () => {
    const silence: Silence = { id: 's1', matchers: { rollout: 'checkout-*' }, startsAt: '2030-01-01T11:00:00Z', endsAt: '2030-01-01T13:00:00Z', createdBy: 'ana', comment: 'drill', createdAt: '2030-01-01T11:00:00Z' };
    const plan = planVerdict(emptyState('checkout-v2'), verdict(), ctx(catchAll, { silences: [silence] }));
    assert.ok(actions(plan).every((a) => a.suppressed?.status === 'silenced' && /s1 \(ana: drill\)/.test(a.suppressed.why)));
    const later = planVerdict(emptyState('checkout-v2'), verdict(), ctx(catchAll, { silences: [silence], now: new Date('2030-01-01T13:00:00Z') }));
    assert.ok(actions(later).every((a) => !a.suppressed), 'expired silences do not apply');
  });

  it('cooldown: a flapping rollout is notified once per cooldown window; rollback is never repeated', () => {
    const routes = parseRoutes('routes: [{ name: r, notifiers: [slack], onNoGo: pause }]', defaults);
    const c = ctx(routes, { cooldownSeconds: 300 });
    let { state } = run(emptyState('r'), [verdict({ sequence: 1 }), verdict({ sequence: 2, decision: 'go' })], c);
    const again = planVerdict(state, verdict({ sequence: 3 }), { ...c, now: new Date(now.getTime() + 60_000) });
    assert.deepEqual(summary(again), ['notify notifier:slack skipped', 'pause actuator:argo-rollouts skipped']);
    const afterCooldown = planVerdict(state, verdict({ sequence: 3 }), { ...c, now: new Date(now.getTime() + 301_000) });
    assert.deepEqual(summary(afterCooldown), ['notify notifier:slack', 'pause actuator:argo-rollouts']);
    state = { ...state, rolledBackAt: '2030-01-01T00:00:00Z', lastSequence: 2, lastDecision: 'go' };
    const rb = parseRoutes('routes: [{ name: r, notifiers: [slack] }]', defaults);
    const plan = planVerdict(state, verdict({ sequence: 3 }), ctx(rb, { cooldownSeconds: 0 }));
    assert.match(actions(plan)[1]!.suppressed?.why ?? '', /already rolled back/);
  });

  it('dry run: global flag and per route', () => {
    assert.ok(actions(planVerdict(emptyState('r'), verdict(), ctx(catchAll, { dryRun: true }))).every((a) => a.dryRun));
    const routes = parseRoutes('routes: [{ name: r, dryRun: true }]', defaults);
    assert.ok(actions(planVerdict(emptyState('r'), verdict(), ctx(routes))).every((a) => a.dryRun));
  });
});

describe('planVerdict: overrides', () => {
  const overridden = { by: 'ana', reason: 'known noisy metric', at: now.toISOString() };
  it('a forced no-go acts even without a decision change, ignoring the cooldown', () => {
    const { state } = run(emptyState('r'), [verdict({ sequence: 1, decision: 'go' })], ctx(catchAll));
    const withRecentNotify = { ...state, lastNotifiedAt: now.toISOString(), lastDecision: 'no-go' as const };
    const plan = planVerdict(withRecentNotify, verdict({ sequence: 2, overridden }), ctx(catchAll));
    assert.ok(actions(plan).every((a) => !a.suppressed));
    assert.match(actions(plan)[0]!.reason, /forced no-go by ana: known noisy metric/);
  });
  it('a forced go resolves and resumes what rollwatch paused or aborted', () => {
    const { state } = run(emptyState('r'), [verdict({ sequence: 1 })], ctx(catchAll));
    const plan = planVerdict(state, verdict({ sequence: 2, decision: 'go', overridden }), ctx(catchAll));
    assert.ok(summary(plan).includes('resume actuator:argo-rollouts'));
    // Verdicts older than the override are stale: the forced go holds until the next sequence.
    const after = applyOutcomes(state, verdict({ sequence: 2, decision: 'go', overridden }), succeed(actions(plan)), now);
    assert.ok('skip' in planVerdict(after, verdict({ sequence: 2 }), ctx(catchAll)));
    assert.ok('actions' in planVerdict(after, verdict({ sequence: 3 }), ctx(catchAll)));
  });
});

describe('workloadFor', () => {
  it('route target, then labels, then service, then the rollout id (without its revision)', () => {
    const [route] = parseRoutes('routes: [{ name: r }]', defaults);
    assert.deepEqual(workloadFor(route!, verdict({ labels: {} }), 'def'), { namespace: 'def', name: 'checkout' });
    assert.deepEqual(workloadFor(route!, verdict({ labels: { 'rollwatch.io/namespace': 'shop', 'rollwatch.io/target': 'checkout-canary' } }), 'def'), { namespace: 'shop', name: 'checkout-canary' });
    assert.deepEqual(workloadFor(route!, verdict({ service: undefined, labels: {} }), 'def'), { namespace: 'def', name: 'checkout-v2' });
    assert.deepEqual(workloadFor(route!, verdict({ rollout: 'prod/checkout@5b4a3c2d1', service: undefined, labels: { 'rollwatch.io/namespace': 'prod' } })), { namespace: 'prod', name: 'checkout' });
    const [pinned] = parseRoutes('routes: [{ name: r, target: { namespace: ns, name: n } }]', defaults);
    assert.deepEqual(workloadFor(pinned!, verdict(), 'def'), { namespace: 'ns', name: 'n' });
  });

  it('never guesses a namespace for a Kubernetes actuator: the actuation is refused with the reason', () => {
    const [route] = parseRoutes('routes: [{ name: r }]', defaults);
    const refused = workloadFor(route!, verdict({ labels: {} }), undefined, 'argo-rollouts');
    assert.ok('refused' in refused);
    assert.match(refused.refused, /no namespace for checkout/);
    assert.deepEqual(workloadFor(route!, verdict({ labels: {} }), undefined, 'webhook'), { namespace: '', name: 'checkout' });
    const plan = planVerdict(emptyState('checkout-v2'), verdict({ labels: {} }), ctx(catchAll, { defaultNamespace: undefined }));
    const rollback = actions(plan).find((a) => a.kind === 'rollback')!;
    assert.equal(rollback.workload, undefined);
    assert.match(rollback.refused ?? '', /rollwatch never guesses one/);
  });
});

describe('planVerdict: actuation needs an operator allow-list', () => {
  it('with no allowed target the default route only notifies (no-go) and resumes nothing (go)', () => {
    const off = ctx([parseRoutes('routes: [{ name: default }]', defaults)[0]!], { targets: parseTargetAllowlist(undefined) });
    assert.deepEqual(summary(planVerdict(emptyState('r'), verdict(), off)), ['notify notifier:slack', 'notify notifier:webhook', 'notify notifier:alertmanager']);
    const paused = { ...emptyState('r'), lastSequence: 1, lastDecision: 'no-go' as const, pausedByRoutes: ['default'] };
    const forcedGo = verdict({ sequence: 2, decision: 'go', overridden: { by: 'ana', reason: 'ok', at: now.toISOString() } });
    assert.ok(summary(planVerdict(paused, forcedGo, off)).every((line) => !line.startsWith('resume')));
  });

  it('with an allow-list the route plans its actuation (the executor checks the workload)', () => {
    const on = ctx(catchAll, { targets: parseTargetAllowlist('default/*') });
    assert.ok(summary(planVerdict(emptyState('r'), verdict(), on)).includes('rollback actuator:argo-rollouts'));
  });
});
