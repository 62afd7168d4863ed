import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ContainerSnapshot } from './engine-types.js';
import { dockerEventId, onStart, type TrackedContainer } from './event-mapping.js';
import { engineFacts } from './host-attributes.js';
import { BOUNDARY_MARGIN_NS, reconcileContainer } from './reconcile.js';
import * as rec from './testing/recorded.js';

const facts = engineFacts(rec.DOCKER_INFO, rec.DOCKER_VERSION);
const S = 1_000_000_000n;
const T0 = 1795563000n * S;

function snap(overrides: Partial<ContainerSnapshot> = {}): ContainerSnapshot {
  return {
    id: 'c1', name: 'api-canary-1', image: 'api:2', labels: { 'rollwatch.io/rollout': 'demo' }, tty: false, memoryLimit: 0,
    restartCount: 0, status: 'running', running: true, exitCode: 0, oomKilled: false, startedAtNs: T0, ...overrides,
  };
}
function tracked(overrides: Partial<TrackedContainer> = {}): TrackedContainer {
  return {
    id: 'c1', name: 'api-canary-1', image: 'api:2', labels: {}, tty: false, memoryLimit: 0, restartCount: 0,
    lastStartNs: T0, lastDieNs: 0n, hasDied: false, oomReported: false, ...overrides,
  };
}
const types = (r: { events: { type: string }[] }) => r.events.map((e) => e.type);

describe('reconcileContainer', () => {
  it('initial connect: learns the state and emits no history', () => {
    const r = reconcileContainer(undefined, snap({ restartCount: 4, finishedAtNs: T0 - S }), T0 + 60n * S, facts, true);
    assert.deepEqual(r.events, []);
    assert.equal(r.next.restartCount, 4);
    assert.equal(r.next.hasDied, true, 'its next start is a restart');
  });

  it('nothing missed: no events', () => {
    const r = reconcileContainer(tracked({ restartCount: 2 }), snap({ restartCount: 2 }), T0 + 60n * S, facts, false);
    assert.deepEqual(r.events, []);
    assert.equal(r.next.restartCount, 2);
  });

  it('policy restarts lost from the ring are synthesised from RestartCount, with ids by ordinal', () => {
    const before = tracked({ restartCount: 1, lastStartNs: T0, hasDied: true });
    const now = snap({ restartCount: 4, startedAtNs: T0 + 30n * S, finishedAtNs: T0 + 29n * S });
    const r = reconcileContainer(before, now, T0 + 60n * S, facts, false);
    assert.deepEqual(types(r), ['container_restart', 'container_restart', 'container_restart']);
    assert.deepEqual(r.events.map((e) => e.id), [2, 3, 4].map((n) => dockerEventId('c1', 'container_restart', `restartCount:${n}`)));
    assert.equal(r.next.restartCount, 4);
    assert.equal(r.next.lastStartNs, T0 + 30n * S);
    // Running the same reconciliation again (another reconnect, nothing new) adds nothing.
    assert.deepEqual(reconcileContainer(r.next, now, T0 + 90n * S, facts, false).events, []);
  });

  it('a manual restart (StartedAt moved, RestartCount did not) counts once', () => {
    const r = reconcileContainer(tracked({ hasDied: true, lastDieNs: T0 + S }), snap({ startedAtNs: T0 + 20n * S, finishedAtNs: T0 + 10n * S }), T0 + 60n * S, facts, false);
    assert.deepEqual(types(r), ['container_restart']);
  });

  it('a stopped container whose die was missed gets its exit, with OOM inference', () => {
    const before = tracked({ memoryLimit: 20 * 1024 * 1024 });
    const now = snap({ running: false, status: 'exited', exitCode: 137, finishedAtNs: T0 + 5n * S, memoryLimit: 20 * 1024 * 1024 });
    const r = reconcileContainer(before, now, T0 + 60n * S, facts, false);
    assert.deepEqual(r.events.map((e) => [e.type, e.exitCode]), [['container_exit', 137], ['oom_killed', 137]]);
    assert.equal(r.next.lastDieNs, T0 + 5n * S);
    assert.equal(r.next.hasDied, true);
  });

  it('facts just before or after the boundary are left to the stream, which then counts them once', () => {
    const boundary = T0 + 60n * S;
    const before = tracked({ restartCount: 1, hasDied: true });
    const now = snap({ restartCount: 2, startedAtNs: boundary + S / 10n, finishedAtNs: boundary - S / 10n, running: true });
    const r = reconcileContainer(before, now, boundary, facts, false);
    assert.deepEqual(r.events, []);
    assert.equal(r.next.restartCount, 1);
    // The stream then delivers that start: a restart, counted to match the engine.
    const [e] = onStart(r.next, { type: 'container', action: 'start', containerId: 'c1', attributes: {}, timeNano: boundary + S / 10n + 1_000_000n }, facts);
    assert.equal(e!.type, 'container_restart');
    assert.equal(r.next.restartCount, 2);
  });

  it('a restart already applied from the replay is not synthesised again', () => {
    // The replay applied the start (event time is a little after StartedAt).
    const before = tracked({ restartCount: 3, lastStartNs: T0 + 30n * S + 2_000_000n, hasDied: true });
    const r = reconcileContainer(before, snap({ restartCount: 3, startedAtNs: T0 + 30n * S }), T0 + 60n * S, facts, false);
    assert.deepEqual(r.events, []);
  });

  it('a container created and crash-looping entirely during the outage: start + restarts + exit', () => {
    const now = snap({ restartCount: 2, startedAtNs: T0 + 10n * S, finishedAtNs: T0 + 11n * S, running: false, exitCode: 3 });
    const r = reconcileContainer(undefined, now, T0 + 60n * S, facts, false);
    assert.deepEqual(types(r), ['container_start', 'container_restart', 'container_restart', 'container_exit']);
  });

  it('the margin is one second', () => {
    assert.equal(BOUNDARY_MARGIN_NS, S);
  });
});
