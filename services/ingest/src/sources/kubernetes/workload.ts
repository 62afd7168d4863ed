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
/** StatefulSet and DaemonSet pods carry their ControllerRevision's hash. */
const CONTROLLER_REVISION_LABEL = 'controller-revision-hash';
const FLAGGER_PRIMARY_SUFFIX = '-primary';

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

/** What a pod's revision and Flagger role are derived from, beyond the pod itself (the source's caches). */
export interface RevisionContext {
  /** The Argo Rollout's `status.currentPodHash` (the revision being rolled out), when known. */
  argoCurrentHash: (namespace: string, rollout: string) => string | undefined;
  /** Whether pods of this workload exist in the namespace (live, not deleted). */
  hasWorkloadPods: (namespace: string, workload: string) => boolean;
  /** `pod-template-hash` of the newest live pod of this workload in the namespace. */
  newestWorkloadHash: (namespace: string, workload: string) => string | undefined;
}

/** Flagger's pair: the target `<name>` is the canary while `<name>-primary` exists; the primary is the baseline. */
export function flaggerRole(pod: Pod, context: Pick<RevisionContext, 'hasWorkloadPods'>): 'canary' | 'primary' | undefined {
  const workload = workloadOf(pod);
  const namespace = pod.metadata?.namespace;
  if (!workload || workload.kind !== 'Deployment' || !namespace) return undefined;
  if (workload.name.endsWith(FLAGGER_PRIMARY_SUFFIX) && workload.name.length > FLAGGER_PRIMARY_SUFFIX.length) return 'primary';
  return context.hasWorkloadPods(namespace, `${workload.name}${FLAGGER_PRIMARY_SUFFIX}`) ? 'canary' : undefined;
}

/**
 * The revision a pod's events are judged under. Canary and baseline of one release must share it,
 * or there would be nothing to compare: Argo pods (canary and stable alike) take the Rollout's
 * current pod-template hash, a Flagger primary takes its canary's hash while the canary runs. Other
 * workloads take their own template hash (`pod-template-hash`, else `controller-revision-hash`).
 */
export function podRevision(pod: Pod, context: RevisionContext): string | undefined {
  const labels = pod.metadata?.labels ?? {};
  const namespace = pod.metadata?.namespace;
  const workload = workloadOf(pod);
  if (workload?.argoRollout) return (namespace ? context.argoCurrentHash(namespace, workload.argoRollout) : undefined) ?? labels[LABELS.argoPodTemplateHash];
  if (namespace && workload && flaggerRole(pod, context) === 'primary') {
    const canaryHash = context.newestWorkloadHash(namespace, workload.name.slice(0, -FLAGGER_PRIMARY_SUFFIX.length));
    if (canaryHash) return canaryHash;
  }
  return labels[DEPLOYMENT_HASH_LABEL] ?? labels[CONTROLLER_REVISION_LABEL];
}
