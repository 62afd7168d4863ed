import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseEvent } from '@rollwatch/core';
import type { SourceEvent } from '../interface.js';
import { crashLooping, imagePullBackOff, k8sTime, pod, restarted, withReady } from './testing/fixtures.js';
import { podEvents, type PodEventContext } from './pod-events.js';
import type { Pod } from './types.js';

const now = Date.now();
const ctx: PodEventContext = { now, lookbackMs: 600_000, labels: { app: 'checkout' }, host: 'worker-1', service: 'checkout' };
const base = pod({ name: 'checkout-7d9f8c6b5-x2x9q', uid: 'uid-1' });

function valid(events: SourceEvent[]): SourceEvent[] {
  for (const e of events) {
    const r = parseEvent({ rollout: 'r', group: 'other', ...e });
    assert.ok(r.ok, `invalid event ${JSON.stringify(e)}: ${JSON.stringify(!r.ok && r.errors)}`);
  }
  return events;
}

describe('podEvents', () => {
  it('emits exactly one container_restart for a restartCount increment, with the exit code of lastState.terminated', () => {
    const next = restarted(base, { exitCode: 137, reason: 'Error' });
    const events = valid(podEvents(base, next, ctx)).filter((e) => e.type === 'container_restart');
    assert.equal(events.length, 1);
    assert.equal(events[0]!.exitCode, 137);
    assert.equal(events[0]!.id, 'k8s:uid-1:app:1:restart');
    assert.equal(events[0]!.labels?.['k8s.container'], 'app');
    assert.equal(events[0]!.labels?.['k8s.restart-count'], '1');
    assert.equal(events[0]!.time, new Date(next.status!.containerStatuses![0]!.lastState!.terminated!.finishedAt!).toISOString());
    assert.equal(events[0]!.host, 'worker-1');
    assert.equal(events[0]!.source, 'kubernetes');
  });

  it('re-observing the same state emits nothing (same object twice)', () => {
    const next = restarted(base);
    assert.deepEqual(podEvents(next, next, ctx), []);
  });

  it('gives each missed restart its own event, capped, with deterministic ids', () => {
    let next: Pod = base;
    for (let i = 0; i < 3; i++) next = restarted(next);
    const restarts = podEvents(base, next, ctx).filter((e) => e.type === 'container_restart');
    assert.deepEqual(restarts.map((e) => e.id), ['k8s:uid-1:app:1:restart', 'k8s:uid-1:app:2:restart', 'k8s:uid-1:app:3:restart']);
    assert.equal(restarts[0]!.exitCode, undefined, 'only the latest restart has a known exit code');
    assert.equal(restarts[2]!.exitCode, 1);
    for (let i = 0; i < 20; i++) next = restarted(next);
    const many = podEvents(base, next, ctx).filter((e) => e.type === 'container_restart');
    assert.equal(many.length, 10);
    assert.equal(many.at(-1)!.id, 'k8s:uid-1:app:23:restart');
    assert.match(many[0]!.message!, /13 earlier restarts not reported individually/);
  });

  it('first sighting reports only the latest restart, and only when it is recent', () => {
    const recent = restarted(restarted(base), { secondsAgo: 10 });
    const first = podEvents(undefined, recent, ctx).filter((e) => e.type === 'container_restart');
    assert.deepEqual(first.map((e) => e.id), ['k8s:uid-1:app:2:restart']);
    const old = restarted(base, { secondsAgo: 3600 });
    assert.deepEqual(podEvents(undefined, old, ctx).filter((e) => e.type === 'container_restart'), []);
  });

  it('reports OOMKilled from lastState.terminated as oom_killed next to the restart', () => {
    const next = restarted(base, { reason: 'OOMKilled', exitCode: 137 });
    const events = valid(podEvents(base, next, ctx));
    const oom = events.filter((e) => e.type === 'oom_killed');
    assert.equal(oom.length, 1);
    assert.equal(oom[0]!.id, 'k8s:uid-1:app:0:oom');
    assert.equal(oom[0]!.exitCode, 137);
    assert.equal(oom[0]!.labels?.['k8s.reason'], 'OOMKilled');
    assert.equal(events.filter((e) => e.type === 'container_restart').length, 1);
  });

  it('reports an OOM kill once whether seen as state.terminated or, later, as lastState.terminated', () => {
    const terminated = structuredClone(base);
    const c = terminated.status!.containerStatuses![0]!;
    c.state = { terminated: { exitCode: 137, reason: 'OOMKilled', finishedAt: k8sTime(1), containerID: c.containerID! } };
    const first = podEvents(base, terminated, ctx).filter((e) => e.type === 'oom_killed');
    assert.equal(first.length, 1);
    const after = restarted(base, { reason: 'OOMKilled', exitCode: 137 });
    const second = podEvents(terminated, after, ctx).filter((e) => e.type === 'oom_killed');
    assert.deepEqual(second, [], 'same termination (instance 0) must not be reported again');
    assert.equal(first[0]!.id, 'k8s:uid-1:app:0:oom');
  });

  it('maps CrashLoopBackOff to an error log with the reason, once per crash', () => {
    const looping = crashLooping(base);
    const events = valid(podEvents(base, looping, ctx));
    const logs = events.filter((e) => e.type === 'log');
    assert.equal(logs.length, 1);
    assert.equal(logs[0]!.level, 'error');
    assert.equal(logs[0]!.labels?.['k8s.reason'], 'CrashLoopBackOff');
    assert.match(logs[0]!.message!, /CrashLoopBackOff: back-off 10s/);
    assert.equal(events.filter((e) => e.type === 'container_restart').length, 1);
    assert.deepEqual(podEvents(looping, structuredClone(looping), ctx), [], 'still backing off: nothing new');
  });

  it('maps ImagePullBackOff to an error log', () => {
    const events = valid(podEvents(base, imagePullBackOff(base), ctx));
    assert.equal(events.length, 1);
    assert.equal(events[0]!.type, 'log');
    assert.equal(events[0]!.labels?.['k8s.reason'], 'ImagePullBackOff');
  });

  it('reports readiness flips: True → False is health_check_failed, back to True is health_check_passed', () => {
    const unready = withReady(base, false, 5);
    const failed = valid(podEvents(base, unready, ctx));
    assert.equal(failed.length, 1);
    assert.equal(failed[0]!.type, 'health_check_failed');
    assert.match(failed[0]!.message!, /ContainersNotReady/);
    const ready = withReady(unready, true, 1);
    const passed = podEvents(unready, ready, ctx);
    assert.deepEqual(passed.map((e) => e.type), ['health_check_passed']);
    assert.notEqual(passed[0]!.id, failed[0]!.id);
  });

  it('does not call a starting pod (never ready yet) failed, but reports its first readiness', () => {
    const starting = withReady(pod({ name: 'p', uid: 'uid-2', startedSecondsAgo: 3 }), false, 3);
    assert.deepEqual(podEvents(undefined, starting, ctx).filter((e) => e.type.startsWith('health')), []);
    const ready = withReady(starting, true, 0);
    assert.deepEqual(podEvents(starting, ready, ctx).map((e) => e.type), ['health_check_passed']);
  });

  it('emits container_start for a new pod and after each restart', () => {
    const fresh = pod({ name: 'p', uid: 'uid-3', startedSecondsAgo: 2 });
    const first = podEvents(undefined, fresh, ctx);
    assert.deepEqual(first.map((e) => e.type).sort(), ['container_start', 'health_check_passed']);
    const again = podEvents(fresh, restarted(fresh), ctx).filter((e) => e.type === 'container_start');
    assert.deepEqual(again.map((e) => e.id), ['k8s:uid-3:app:1:start']);
  });

  it('ignores old facts on first sighting (a long-running pod at startup is quiet)', () => {
    assert.deepEqual(podEvents(undefined, pod({ name: 'p', uid: 'uid-4', startedSecondsAgo: 7200 }), ctx), []);
  });

  it('emits container_exit for a container that will not be restarted, but not for a pod being deleted', () => {
    const job = pod({ name: 'j', uid: 'uid-5', restartPolicy: 'Never' });
    const done = structuredClone(job);
    done.status!.containerStatuses![0]!.state = { terminated: { exitCode: 2, reason: 'Error', finishedAt: k8sTime(0) } };
    const exits = valid(podEvents(job, done, ctx)).filter((e) => e.type === 'container_exit');
    assert.equal(exits.length, 1);
    assert.equal(exits[0]!.exitCode, 2);
    assert.equal(exits[0]!.level, 'error');
    const deleting = structuredClone(done);
    deleting.metadata!.deletionTimestamp = k8sTime(0);
    assert.deepEqual(podEvents(job, deleting, ctx).filter((e) => e.type === 'container_exit'), []);
    const always = pod({ name: 'a', uid: 'uid-6' });
    const stopped = structuredClone(always);
    stopped.status!.containerStatuses![0]!.state = { terminated: { exitCode: 1, reason: 'Error', finishedAt: k8sTime(0) } };
    assert.deepEqual(podEvents(always, stopped, ctx).filter((e) => e.type === 'container_exit'), [], 'restartPolicy Always: the restart reports it');
  });

  it('labels init containers', () => {
    const p = pod({ name: 'p', uid: 'uid-7' });
    p.status!.initContainerStatuses = [{ name: 'migrate', restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed', finishedAt: k8sTime(20) } } }];
    const next = structuredClone(p);
    next.status!.initContainerStatuses![0] = { name: 'migrate', restartCount: 1, state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off' } }, lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: k8sTime(1) } } };
    const events = podEvents(p, next, ctx);
    assert.ok(events.length >= 2);
    for (const e of events) assert.equal(e.labels?.['k8s.container-kind'], 'init');
  });
});
