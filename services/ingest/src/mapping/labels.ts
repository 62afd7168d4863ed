/**
 * Label keys sources put on events so the mapping rules can derive `rollout` and `group`.
 * These names are a contract between sources (docker, kubernetes, receivers) and the rules.
 */
export const LABELS = {
  /** Explicit rollout name (any producer). */
  rollout: 'rollwatch.io/rollout',
  /** Explicit group: canary | baseline | stable | other. */
  group: 'rollwatch.io/group',
  /** Workload (Deployment/StatefulSet/DaemonSet/container) name; Flagger convention `<name>-primary`. */
  workload: 'rollwatch.io/workload',
  /** Argo Rollouts: name of the Rollout owning the pod (from the ReplicaSet's owner reference). */
  argoRollout: 'rollwatch.io/argo-rollout',
  /** Argo Rollouts: the Rollout's `status.stableRS` pod-template hash. */
  argoStableHash: 'rollwatch.io/argo-stable-hash',
  /** Argo Rollouts puts this on every pod it manages. */
  argoPodTemplateHash: 'rollouts-pod-template-hash',
  /** Argo Rollouts `canaryMetadata`/`stableMetadata` (or blue/green active/preview) conventional label. */
  role: 'role',
  /**
   * The release under analysis. Set it on Docker containers or pushed events; the Kubernetes source
   * fills it (Argo: the Rollout's current pod-template hash; Deployments: `pod-template-hash`;
   * StatefulSets/DaemonSets: `controller-revision-hash`) unless the pod already carries it.
   */
  revision: 'rollwatch.io/revision',
  /** Kubernetes source: `canary` on pods of a Flagger target `<name>` whose `<name>-primary` exists, `primary` on the primary's pods. */
  flagger: 'rollwatch.io/flagger',
  /** Kubernetes source: the pod's namespace; built-in ids of Kubernetes workloads are `[<cluster>/]<namespace>/<name>`. */
  namespace: 'k8s.namespace',
  composeProject: 'com.docker.compose.project',
  composeService: 'com.docker.compose.service',
} as const;
