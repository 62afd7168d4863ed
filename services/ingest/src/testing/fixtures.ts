/** Real-looking payloads of the systems ingest receives from, shared by unit and integration tests. */

/** As Alertmanager 0.27 posts it to a webhook_config receiver. */
export function alertmanagerPayload(startsAt = new Date(Date.now() - 60_000).toISOString()) {
  return {
    receiver: 'rollwatch',
    status: 'firing',
    alerts: [
      {
        status: 'firing',
        labels: { alertname: 'HighErrorRate', severity: 'critical', rollout: 'checkout', group: 'canary', instance: '10.0.3.7:8080', job: 'checkout', service: 'checkout' },
        annotations: { summary: 'checkout canary 5xx ratio above 5%', description: '5xx ratio is 12% on 10.0.3.7:8080' },
        startsAt,
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus:9090/graph?g0.expr=...',
        fingerprint: 'c0ffee1234567890',
      },
      {
        status: 'firing',
        labels: { alertname: 'KubePodCrashLooping', severity: 'warning', namespace: 'shop', pod: 'checkout-canary-7d9c-xk2p', 'rollwatch.io/rollout': 'checkout', 'rollwatch.io/group': 'canary' },
        annotations: { summary: 'Pod is crash looping.' },
        startsAt,
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus:9090/graph',
        fingerprint: 'bead000000000001',
      },
      {
        status: 'resolved',
        labels: { alertname: 'TargetDown', rollout: 'checkout', group: 'baseline', instance: '10.0.3.9:8080' },
        annotations: {},
        startsAt,
        endsAt: new Date().toISOString(),
        generatorURL: '',
        fingerprint: 'dead000000000002',
      },
      {
        status: 'resolved',
        labels: { alertname: 'HighLatency', rollout: 'checkout' },
        annotations: {},
        startsAt,
        endsAt: new Date().toISOString(),
        fingerprint: 'dead000000000003',
      },
    ],
    groupLabels: { alertname: 'HighErrorRate' },
    commonLabels: { rollout: 'checkout' },
    commonAnnotations: {},
    externalURL: 'http://alertmanager:9093',
    version: '4',
    groupKey: '{}:{alertname="HighErrorRate"}',
    truncatedAlerts: 0,
  };
}

/** As kubernetes-event-exporter's webhook sink posts a core/v1 Event (default layout). */
export function exporterEvent(reason: string, message: string, extra: Record<string, unknown> = {}) {
  const now = new Date().toISOString();
  return {
    metadata: { name: `checkout-7d9c6b8f5-xk2p.17f${reason.length}`, namespace: 'shop', uid: `uid-${reason}`, resourceVersion: '48121', creationTimestamp: now },
    reason,
    message,
    source: { component: 'kubelet', host: 'node-a' },
    firstTimestamp: now,
    lastTimestamp: now,
    count: 3,
    type: 'Warning',
    eventTime: null,
    reportingComponent: 'kubelet',
    reportingInstance: 'node-a',
    involvedObject: {
      kind: 'Pod',
      namespace: 'shop',
      name: 'checkout-7d9c6b8f5-xk2p',
      uid: 'pod-uid-1',
      apiVersion: 'v1',
      resourceVersion: '48000',
      fieldPath: 'spec.containers{app}',
      labels: { app: 'checkout', 'pod-template-hash': '7d9c6b8f5' },
      annotations: { 'kubectl.kubernetes.io/restartedAt': now },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'checkout-7d9c6b8f5', uid: 'rs-uid', controller: true, blockOwnerDeletion: true }],
      deleted: false,
    },
    ...extra,
  };
}
