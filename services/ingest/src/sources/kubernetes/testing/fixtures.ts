import type { ContainerStatus, KubeEvent, Node, Pod, Rollout } from '../types.js';

/**
 * Kubernetes objects shaped like ones recorded from a kind/k3s cluster (same fields, same nesting,
 * second-precision RFC 3339 timestamps), with helpers for the transitions the tests need.
 */

/** RFC 3339 with second precision, as the apiserver writes it, `secondsAgo` before now. */
export function k8sTime(secondsAgo = 0, now = Date.now()): string {
  return new Date(Math.floor(now / 1000) * 1000 - secondsAgo * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function node(name: string, opts: { runtime?: string; kernel?: string; zone?: string } = {}): Node {
  return {
    metadata: {
      name,
      uid: `node-uid-${name}`,
      creationTimestamp: k8sTime(86_400),
      labels: {
        'beta.kubernetes.io/arch': 'amd64',
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'node.kubernetes.io/instance-type': 'm6i.large',
        'topology.kubernetes.io/region': 'eu-west-1',
        'topology.kubernetes.io/zone': opts.zone ?? 'eu-west-1a',
      },
    },
    status: {
      nodeInfo: {
        architecture: 'amd64',
        containerRuntimeVersion: opts.runtime ?? 'containerd://1.7.2',
        kernelVersion: opts.kernel ?? '6.1.0-18-amd64',
        kubeProxyVersion: 'v1.29.2',
        kubeletVersion: 'v1.29.2',
        operatingSystem: 'linux',
        osImage: 'Debian GNU/Linux 12 (bookworm)',
      },
    },
  };
}

export interface PodOptions {
  name: string;
  uid: string;
  namespace?: string;
  /** ReplicaSet owner `<workload>-<hash>`. */
  workload?: string;
  hash?: string;
  /** Managed by an Argo Rollout (label `rollouts-pod-template-hash`) instead of a Deployment. */
  argo?: boolean;
  node?: string;
  containers?: string[];
  startedSecondsAgo?: number;
  ready?: boolean;
  restartPolicy?: 'Always' | 'OnFailure' | 'Never';
}

function runningStatus(name: string, podName: string, startedAt: string, ready: boolean): ContainerStatus {
  return {
    name,
    ready,
    restartCount: 0,
    started: true,
    image: `registry.example.com/shop/${name}:1.4.2`,
    imageID: `registry.example.com/shop/${name}@sha256:9b2a9d0c1e6a7f3e4d5c6b7a8f9e0d1c2b3a4f5e6d7c8b9a0f1e2d3c4b5a6f7e`,
    containerID: `containerd://${Buffer.from(`${podName}/${name}/0`).toString('hex').padEnd(64, '0').slice(0, 64)}`,
    state: { running: { startedAt } },
    lastState: {},
  };
}

export function pod(o: PodOptions): Pod {
  const namespace = o.namespace ?? 'shop';
  const workload = o.workload ?? 'checkout';
  const hash = o.hash ?? '7d9f8c6b5';
  const started = k8sTime(o.startedSecondsAgo ?? 30);
  const ready = o.ready ?? true;
  const containers = o.containers ?? ['app'];
  return {
    metadata: {
      name: o.name,
      namespace,
      uid: o.uid,
      creationTimestamp: started,
      labels: { app: workload, [o.argo ? 'rollouts-pod-template-hash' : 'pod-template-hash']: hash },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${workload}-${hash}`, uid: `rs-${workload}-${hash}`, controller: true }],
    },
    spec: {
      nodeName: o.node ?? 'worker-1',
      restartPolicy: o.restartPolicy ?? 'Always',
      containers: containers.map((name) => ({ name, image: `registry.example.com/shop/${name}:1.4.2` })),
    },
    status: {
      phase: 'Running',
      podIP: '10.244.1.17',
      startTime: started,
      conditions: [
        { type: 'PodReadyToStartContainers', status: 'True', lastTransitionTime: started },
        { type: 'Initialized', status: 'True', lastTransitionTime: started },
        { type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: started, ...(ready ? {} : { reason: 'ContainersNotReady', message: `containers with unready status: [${containers.join(' ')}]` }) },
        { type: 'ContainersReady', status: ready ? 'True' : 'False', lastTransitionTime: started },
        { type: 'PodScheduled', status: 'True', lastTransitionTime: started },
      ],
      containerStatuses: containers.map((c) => runningStatus(c, o.name, started, ready)),
    },
  };
}

function container(p: Pod, name: string): ContainerStatus {
  const c = p.status?.containerStatuses?.find((s) => s.name === name);
  if (!c) throw new Error(`fixture pod has no container ${name}`);
  return c;
}

/** The kubelet restarted the container after it terminated with `reason`/`exitCode`; it is running again. */
export function restarted(p: Pod, opts: { container?: string; reason?: string; exitCode?: number; secondsAgo?: number } = {}): Pod {
  const next = structuredClone(p);
  const c = container(next, opts.container ?? 'app');
  const finishedAt = k8sTime(opts.secondsAgo ?? 2);
  const oldId = c.containerID;
  c.restartCount = (c.restartCount ?? 0) + 1;
  c.lastState = {
    terminated: {
      exitCode: opts.exitCode ?? 1,
      reason: opts.reason ?? 'Error',
      startedAt: c.state?.running?.startedAt ?? finishedAt,
      finishedAt,
      containerID: oldId,
    },
  };
  c.containerID = `${oldId?.slice(0, -4)}${String(c.restartCount).padStart(4, '0')}`;
  c.state = { running: { startedAt: finishedAt } };
  return next;
}

/** The container crashed and the kubelet is backing off before restarting it. */
export function crashLooping(p: Pod, opts: { container?: string; exitCode?: number } = {}): Pod {
  const next = restarted(p, { ...(opts.container ? { container: opts.container } : {}), exitCode: opts.exitCode ?? 1 });
  const c = container(next, opts.container ?? 'app');
  c.ready = false;
  c.started = false;
  c.state = { waiting: { reason: 'CrashLoopBackOff', message: `back-off 10s restarting failed container=${c.name} pod=${p.metadata?.name}_${p.metadata?.namespace}(${p.metadata?.uid})` } };
  return next;
}

export function imagePullBackOff(p: Pod, opts: { container?: string } = {}): Pod {
  const next = structuredClone(p);
  const c = container(next, opts.container ?? 'app');
  c.ready = false;
  c.started = false;
  c.image = 'registry.example.com/shop/app:does-not-exist';
  c.state = { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "registry.example.com/shop/app:does-not-exist"' } };
  return next;
}

export function withReady(p: Pod, ready: boolean, secondsAgo = 1): Pod {
  const next = structuredClone(p);
  const at = k8sTime(secondsAgo);
  for (const cond of next.status?.conditions ?? []) {
    if (cond.type !== 'Ready' && cond.type !== 'ContainersReady') continue;
    cond.status = ready ? 'True' : 'False';
    cond.lastTransitionTime = at;
    if (ready) {
      delete cond.reason;
      delete cond.message;
    } else {
      cond.reason = 'ContainersNotReady';
      cond.message = 'containers with unready status: [app]';
    }
  }
  for (const c of next.status?.containerStatuses ?? []) c.ready = ready;
  return next;
}

export function podEvent(
  p: Pod,
  o: { uid: string; reason: string; message: string; count?: number; type?: 'Normal' | 'Warning'; container?: string; firstSecondsAgo?: number; lastSecondsAgo?: number },
): KubeEvent {
  return {
    metadata: {
      name: `${p.metadata?.name}.17c2f8a${o.uid.slice(-6)}`,
      namespace: p.metadata?.namespace,
      uid: o.uid,
      creationTimestamp: k8sTime(o.firstSecondsAgo ?? 5),
    },
    involvedObject: {
      kind: 'Pod',
      namespace: p.metadata?.namespace,
      name: p.metadata?.name,
      uid: p.metadata?.uid,
      fieldPath: `spec.containers{${o.container ?? 'app'}}`,
    },
    reason: o.reason,
    message: o.message,
    source: { component: 'kubelet', host: p.spec?.nodeName },
    firstTimestamp: k8sTime(o.firstSecondsAgo ?? 5),
    lastTimestamp: k8sTime(o.lastSecondsAgo ?? 1),
    count: o.count ?? 1,
    type: o.type ?? 'Warning',
    eventTime: null,
    reportingComponent: 'kubelet',
    reportingInstance: p.spec?.nodeName,
  };
}

/** The apiserver aggregated another occurrence into the same Event object. */
export function bumped(e: KubeEvent, by = 1): KubeEvent {
  return { ...structuredClone(e), count: (e.count ?? 1) + by, lastTimestamp: k8sTime(0) };
}

export function rollout(name: string, stableRS: string, namespace = 'shop'): Rollout {
  return {
    metadata: { name, namespace, uid: `rollout-uid-${name}`, creationTimestamp: k8sTime(3600) },
    status: { stableRS, currentPodHash: stableRS },
  };
}
