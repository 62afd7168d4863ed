import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseEvent } from '@rollwatch/core';
import { DEFAULT_MAPPING_RULES, resolveRolloutAndGroup } from '../mapping/rules.js';
import { alertmanagerToEvents, eventTypeForAlert } from './alertmanager.js';
import { kubernetesEventExporterToEvents } from './kubernetes-event-exporter.js';
import { alertmanagerPayload, exporterEvent } from '../testing/fixtures.js';

describe('Alertmanager receiver', () => {
  it('maps a version 4 payload to valid events with rollout, group, type and instance', () => {
    const result = alertmanagerToEvents(alertmanagerPayload());
    assert.ok(result.ok);
    assert.equal(result.events.length, 3);
    assert.equal(result.skipped, 1, 'a resolved non-health alert is skipped');
    const [errorRate, crashLoop, targetUp] = result.events;

    assert.equal(errorRate!.type, 'log');
    assert.equal(errorRate!.level, 'error');
    assert.equal(errorRate!.message, 'checkout canary 5xx ratio above 5%');
    assert.equal(errorRate!.rollout, 'checkout');
    assert.equal(errorRate!.group, 'canary');
    assert.equal(errorRate!.instance, '10.0.3.7:8080');
    assert.equal(errorRate!.source, 'alertmanager');
    assert.equal(errorRate!.labels?.['annotation.description'], '5xx ratio is 12% on 10.0.3.7:8080');

    assert.equal(crashLoop!.type, 'container_restart');
    assert.equal(crashLoop!.instance, 'checkout-canary-7d9c-xk2p');
    assert.equal(crashLoop!.rollout, undefined, 'left to the mapping rules');
    assert.deepEqual(resolveRolloutAndGroup(crashLoop!, DEFAULT_MAPPING_RULES), { rollout: 'checkout', group: 'canary' });

    assert.equal(targetUp!.type, 'health_check_passed');
    assert.equal(targetUp!.group, 'baseline');

    for (const event of result.events) {
      const target = resolveRolloutAndGroup(event, DEFAULT_MAPPING_RULES)!;
      const parsed = parseEvent({ ...event, ...target });
      assert.ok(parsed.ok, JSON.stringify(parsed));
    }
  });

  it('gives a repeated notification the same id (Alertmanager re-sends on repeat_interval)', () => {
    const startsAt = new Date(Date.now() - 120_000).toISOString();
    const a = alertmanagerToEvents(alertmanagerPayload(startsAt));
    const b = alertmanagerToEvents(alertmanagerPayload(startsAt));
    assert.ok(a.ok && b.ok);
    assert.deepEqual(a.events.map((e) => e.id), b.events.map((e) => e.id));
    assert.equal(new Set(a.events.map((e) => e.id)).size, a.events.length);
  });

  it('picks the type from rollwatch_type or the alert name', () => {
    assert.equal(eventTypeForAlert({ alertname: 'Whatever', rollwatch_type: 'oom_killed' }), 'oom_killed');
    assert.equal(eventTypeForAlert({ alertname: 'Whatever', rollwatch_type: 'metric' }), undefined, 'metric needs a value: not from an alert');
    assert.equal(eventTypeForAlert({ alertname: 'KubeContainerOOMKilled' }), 'oom_killed');
    assert.equal(eventTypeForAlert({ alertname: 'ProbeFailure' }), 'health_check_failed');
    assert.equal(eventTypeForAlert({ alertname: 'TargetDown' }), 'health_check_failed');
    assert.equal(eventTypeForAlert({ alertname: 'HighErrorRate' }), undefined);
  });

  it('maps severity to the log level', () => {
    const payload = alertmanagerPayload();
    payload.alerts[0]!.labels.severity = 'warning';
    const result = alertmanagerToEvents(payload);
    assert.ok(result.ok);
    assert.equal(result.events[0]!.level, 'warn');
  });

  it('rejects a payload that is not Alertmanager v4, naming the field', () => {
    const noAlerts = alertmanagerToEvents({ version: '4' });
    assert.deepEqual(noAlerts.ok ? undefined : noAlerts.field, 'alerts');
    const badVersion = alertmanagerToEvents({ ...alertmanagerPayload(), version: '3' });
    assert.deepEqual(badVersion.ok ? undefined : badVersion.field, 'version');
    const badAlert = alertmanagerToEvents({ version: '4', alerts: [{ status: 'firing', labels: {} }] });
    assert.deepEqual(badAlert.ok ? undefined : badAlert.field, 'alerts.0.startsAt');
  });
});

describe('kubernetes-event-exporter receiver', () => {
  it('maps reasons like the Kubernetes source and derives the workload from owner references', () => {
    const cases: Array<[string, string, string, string | undefined]> = [
      ['BackOff', 'Back-off restarting failed container app in pod checkout-7d9c6b8f5-xk2p', 'container_restart', 'warn'],
      ['OOMKilling', 'Memory cgroup out of memory: Killed process 4242 (node)', 'oom_killed', 'error'],
      ['Unhealthy', 'Readiness probe failed: HTTP probe failed with statuscode: 503', 'health_check_failed', 'warn'],
      ['Killing', 'Container app failed liveness probe, will be restarted', 'container_exit', 'warn'],
      ['Killing', 'Stopping container app', 'log', 'info'],
      ['Failed', 'Error: ErrImagePull', 'log', 'error'],
      ['FailedScheduling', '0/3 nodes are available: 3 Insufficient memory.', 'log', 'warn'],
    ];
    for (const [reason, message, type, level] of cases) {
      const result = kubernetesEventExporterToEvents(exporterEvent(reason, message));
      assert.ok(result.ok, reason);
      const [event] = result.events;
      assert.equal(event!.type, type, reason);
      assert.equal(event!.level, level, reason);
      assert.equal(event!.instance, 'checkout-7d9c6b8f5-xk2p');
      assert.equal(event!.host, 'node-a');
      assert.equal(event!.labels?.['rollwatch.io/workload'], 'checkout');
      assert.equal(event!.labels?.['k8s.namespace'], 'shop');
      assert.equal(event!.labels?.['k8s.container'], 'app');
      assert.equal(event!.id, `k8s-event:uid-${reason}:3`);
      const target = resolveRolloutAndGroup(event!, DEFAULT_MAPPING_RULES);
      assert.deepEqual(target, { rollout: 'shop/checkout', group: 'other' });
      assert.ok(parseEvent({ ...event, ...target }).ok, reason);
    }
  });

  it('recognises Argo Rollouts pods and Flagger primaries', () => {
    const argo = exporterEvent('Unhealthy', 'Liveness probe failed');
    argo.involvedObject.labels = { app: 'payments', 'rollouts-pod-template-hash': '55c7b8d9f', role: 'canary' } as never;
    argo.involvedObject.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'payments-55c7b8d9f', uid: 'x', controller: true, blockOwnerDeletion: true }];
    const a = kubernetesEventExporterToEvents(argo);
    assert.ok(a.ok);
    assert.deepEqual(resolveRolloutAndGroup(a.events[0]!, DEFAULT_MAPPING_RULES), { rollout: 'shop/payments', group: 'canary' });
    assert.equal(a.events[0]!.labels?.['rollwatch.io/revision'], '55c7b8d9f');

    const flagger = exporterEvent('BackOff', 'Back-off');
    flagger.involvedObject.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'checkout-primary-7d9c6b8f5', uid: 'x', controller: true, blockOwnerDeletion: true }];
    const f = kubernetesEventExporterToEvents(flagger);
    assert.ok(f.ok);
    assert.deepEqual(resolveRolloutAndGroup(f.events[0]!, DEFAULT_MAPPING_RULES), { rollout: 'shop/checkout', group: 'baseline' });
  });

  it('skips reasons it does not watch and accepts an array', () => {
    const result = kubernetesEventExporterToEvents([exporterEvent('Pulled', 'Successfully pulled image'), exporterEvent('BackOff', 'Back-off')]);
    assert.ok(result.ok);
    assert.equal(result.events.length, 1);
    assert.equal(result.skipped, 1);
  });

  it('rejects a body that is not a Kubernetes Event, naming the field', () => {
    const result = kubernetesEventExporterToEvents({ reason: 'BackOff' });
    assert.equal(result.ok, false);
    if (!result.ok) assert.equal(result.field, 'involvedObject');
    const inArray = kubernetesEventExporterToEvents([exporterEvent('BackOff', 'x'), { reason: 'BackOff', involvedObject: 'pod' }]);
    assert.equal(inArray.ok, false);
    if (!inArray.ok) assert.equal(inArray.field, '[1].involvedObject');
  });
});
