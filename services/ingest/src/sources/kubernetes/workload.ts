import { LABELS } from '../../mapping/labels.js';
import type { OwnerReference, Pod } from './types.js';

/** Label keys this source adds next to the pod's own labels. */
export const K8S_LABELS = {
  namespace: 'k8s.namespace',
  pod: 'k8s.pod',
  podUid: 'k8s.pod-uid',
  node: 'k8s.node',
  container: 'k8s.container',
  containerKind: 'k8s.container-kind',
  reason: 'k8s.reason',
  eventReason: 'k8s.event-reason',
  eventCount: 'k8s.event-count',
  restartCount: 'k8s.restart-count',
} as const;

/** Deployment ReplicaSets carry this label; so do their pods. */
const DEPLOYMENT_HASH_LABEL = 'pod-template-hash';

export interface Workload {
  /** Deployment / Rollout / StatefulSet / DaemonSet / Job name, or the bare ReplicaSet name. */
  name: string;
  kind: string;
  /** Set when the pod belongs to an Argo Rollout. */
  argoRollout?: string;
}

function controllerOf(pod: Pod): OwnerReference | undefined {
  const owners = pod.metadata?.ownerReferences ?? [];
  return owners.find((o) => o.controller) ?? owners[0];
}

function stripHash(name: string, hash: string | undefined): string | undefined {
  return hash && name.endsWith(`-${hash}`) ? name.slice(0, -(hash.length + 1)) : undefined;
}

/**
 * The pod's workload from its owner chain, without extra API calls: a ReplicaSet is named
 * `<owner>-<pod-template-hash>` by both the Deployment controller and Argo Rollouts, and the pod
 * carries that hash as a label (`pod-template-hash`, or `rollouts-pod-template-hash` for Argo).
 */
export function workloadOf(pod: Pod): Workload | undefined {
  const owner = controllerOf(pod);
  if (!owner) return undefined;
  if (owner.kind !== 'ReplicaSet') return { name: owner.name, kind: owner.kind };
  const labels = pod.metadata?.labels ?? {};
  const rollout = stripHash(owner.name, labels[LABELS.argoPodTemplateHash]);
  if (rollout) return { name: rollout, kind: 'Rollout', argoRollout: rollout };
  const deployment = stripHash(owner.name, labels[DEPLOYMENT_HASH_LABEL]);
  if (deployment) return { name: deployment, kind: 'Deployment' };
  return { name: owner.name, kind: 'ReplicaSet' };
}

/** Looks up an Argo Rollout's `status.stableRS` (a pod-template hash) by namespace and name. */
export type StableHashLookup = (namespace: string, rollout: string) => string | undefined;

/** Labels every event about this pod carries: the pod's own labels plus rollwatch/k8s context. */
export function podEventLabels(pod: Pod, stableHash: StableHashLookup): Record<string, string> {
  const meta = pod.metadata ?? {};
  const labels: Record<string, string> = { ...(meta.labels ?? {}) };
  if (meta.namespace) labels[K8S_LABELS.namespace] = meta.namespace;
  if (meta.name) labels[K8S_LABELS.pod] = meta.name;
  if (meta.uid) labels[K8S_LABELS.podUid] = meta.uid;
  if (pod.spec?.nodeName) labels[K8S_LABELS.node] = pod.spec.nodeName;
  const workload = workloadOf(pod);
  if (workload) labels[LABELS.workload] = workload.name;
  if (workload?.argoRollout) {
    labels[LABELS.argoRollout] = workload.argoRollout;
    const hash = meta.namespace ? stableHash(meta.namespace, workload.argoRollout) : undefined;
    if (hash) labels[LABELS.argoStableHash] = hash;
  }
  return labels;
}

/** A version string for the pod: the app's declared version, else its pod-template hash. */
export function podVersion(pod: Pod): string | undefined {
  const labels = pod.metadata?.labels ?? {};
  return labels['app.kubernetes.io/version'] ?? labels[LABELS.argoPodTemplateHash] ?? labels[DEPLOYMENT_HASH_LABEL];
}
