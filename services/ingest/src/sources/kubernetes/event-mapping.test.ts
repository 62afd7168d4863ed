import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseEvent } from '@rollwatch/core';
import { kubeEventEvents, occurrences, type KubeEventContext } from './event-mapping.js';
import { bumped, k8sTime, pod, podEvent } from './testing/fixtures.js';

const p = pod({ name: 'checkout-7d9f8c6b5-x2x9q', uid: 'pod-uid-1' });
const ctx: KubeEventContext = { now: Date.now(), lookbackMs: 600_000, subject: { instance: 'checkout-7d9f8c6b5-x2x9q', labels: { app: 'checkout' }, host: 'worker-1' } };

describe('kubeEventEvents', () => {
  it('maps a new Unhealthy Event to health_check_failed with the probe message and container', () => {
    const e = podEvent(p, { uid: 'ev-1', reason: 'Unhealthy', message: 'Readiness probe failed: HTTP probe failed with statuscode: 503' });
    const out = kubeEventEvents(undefined, e, ctx);
    assert.equal(out.length, 1);
    const [ev] = out;
    assert.equal(ev!.type, 'health_check_failed');
    assert.equal(ev!.id, 'k8s-event:ev-1:1');
    assert.equal(ev!.labels?.['k8s.container'], 'app');
    assert.equal(ev!.labels?.['k8s.event-reason'], 'Unhealthy');
    assert.match(ev!.message!, /Readiness probe failed/);
    assert.ok(parseEvent({ rollout: 'r', group: 'canary', ...ev }).ok);
  });

  it('treats a count bump on an existing Event as a new occurrence', () => {
    const e = podEvent(p, { uid: 'ev-2', reason: 'BackOff', message: 'Back-off restarting failed container app', count: 3 });
    const next = bumped(e);
    const out = kubeEventEvents(e, next, ctx);
    assert.deepEqual(out.map((x) => x.id), ['k8s-event:ev-2:4']);
    assert.equal(out[0]!.type, 'log');
    assert.equal(out[0]!.level, 'error');
    assert.deepEqual(kubeEventEvents(next, structuredClone(next), ctx), [], 'unchanged count: nothing');
  });

  it('reads series.count (events.k8s.io style) too', () => {
    const e = { ...podEvent(p, { uid: 'ev-3', reason: 'Unhealthy', message: 'Liveness probe failed' }), count: undefined, series: { count: 2, lastObservedTime: k8sTime(1) } };
    assert.equal(occurrences(e), 2);
    const next = { ...e, series: { count: 4, lastObservedTime: k8sTime(0) } };
    assert.deepEqual(kubeEventEvents(e, next, ctx).map((x) => x.id), ['k8s-event:ev-3:3', 'k8s-event:ev-3:4']);
  });

  it('on first sighting reports only the latest occurrence, and only when recent', () => {
    const e = podEvent(p, { uid: 'ev-4', reason: 'Unhealthy', message: 'Readiness probe failed', count: 7 });
    assert.deepEqual(kubeEventEvents(undefined, e, ctx).map((x) => x.id), ['k8s-event:ev-4:7']);
    const old = podEvent(p, { uid: 'ev-5', reason: 'Unhealthy', message: 'x', firstSecondsAgo: 4000, lastSecondsAgo: 3600 });
    assert.deepEqual(kubeEventEvents(undefined, old, ctx), []);
  });

  it('ignores reasons it does not watch', () => {
    assert.deepEqual(kubeEventEvents(undefined, podEvent(p, { uid: 'ev-6', reason: 'Pulled', message: 'Successfully pulled image', type: 'Normal' }), ctx), []);
  });

  it('levels Killing by cause: routine scale-down is info, a failed probe is warn', () => {
    const routine = kubeEventEvents(undefined, podEvent(p, { uid: 'ev-7', reason: 'Killing', message: 'Stopping container app', type: 'Normal' }), ctx);
    assert.equal(routine[0]!.level, 'info');
    const probe = kubeEventEvents(undefined, podEvent(p, { uid: 'ev-8', reason: 'Killing', message: 'Container app failed liveness probe, will be restarted' }), ctx);
    assert.equal(probe[0]!.level, 'warn');
  });

  it('maps OOMKilling, Failed and FailedScheduling', () => {
    const types = ['OOMKilling', 'Failed', 'FailedScheduling'].map((reason, i) => kubeEventEvents(undefined, podEvent(p, { uid: `ev-9${i}`, reason, message: reason }), ctx)[0]!);
    assert.deepEqual(types.map((e) => [e.type, e.level]), [['oom_killed', 'error'], ['log', 'error'], ['log', 'warn']]);
  });
});
