import { env, loadConfig } from '@rollwatch/core';
import { z } from 'zod';

const DEFAULT_NODE_LABELS = [
  'topology.kubernetes.io/zone',
  'topology.kubernetes.io/region',
  'node.kubernetes.io/instance-type',
  'kubernetes.io/arch',
  'kubernetes.io/os',
].join(',');

const commaList = (def: string) =>
  z
    .string()
    .default(def)
    .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean));

/**
 * Env-keyed config of the Kubernetes source; the ingest service merges this shape into its own
 * schema. Every default works with a plain `~/.kube/config` or inside a pod.
 */
export const kubernetesSourceConfigShape = {
  KUBECONFIG: z
    .string()
    .optional()
    .describe('Kubeconfig path(s), `:`-separated like kubectl. Unset: in-cluster service account when running in a pod, else ~/.kube/config.'),
  K8S_CONTEXT: z.string().optional().describe('Kubeconfig context to use. Unset: the current context.'),
  K8S_NAMESPACES: env.list().describe('Comma-separated namespaces to watch. Unset: all namespaces (needs a ClusterRole).'),
  K8S_LABEL_SELECTOR: z.string().optional().describe('Label selector for the pods to watch, e.g. `rollwatch.io/watch=true`. Unset: all pods.'),
  K8S_RESYNC_SECONDS: env.int(600).describe('Full relist of every watched resource this often, to repair anything a watch missed (0 disables).'),
  K8S_WATCH_TIMEOUT_SECONDS: env.int(300, 10).describe('Server-side watch timeout; the watch is then resumed from the last resourceVersion.'),
  K8S_INITIAL_LOOKBACK_SECONDS: env
    .int(600)
    .describe('On the first sighting of a pod or Event (startup, new pod), facts older than this are not emitted.'),
  K8S_WATCH_EVENTS: env.bool(true).describe('Watch core/v1 Events (Unhealthy, BackOff, Killing, Failed, FailedScheduling, OOMKilling).'),
  K8S_WATCH_ROLLOUTS: env.bool(true).describe('Watch Argo Rollouts (argoproj.io/v1alpha1) for `status.stableRS`; turned off automatically when the CRD is absent.'),
  K8S_NODE_LABELS: commaList(DEFAULT_NODE_LABELS).describe('Node labels copied into `hostAttributes`.'),
  K8S_BACKOFF_INITIAL_MS: env.int(500, 1).describe('First reconnect delay after a watch error (full-jitter exponential backoff).'),
  K8S_BACKOFF_MAX_MS: env.int(30_000, 1).describe('Reconnect delay cap.'),
};

export const kubernetesSourceConfigSchema = z.object(kubernetesSourceConfigShape);
export type KubernetesSourceConfig = z.output<typeof kubernetesSourceConfigSchema>;

/**
 * The source's settings from the ingest service's parsed config. Keys the ingest schema does not
 * (yet) carry are read from the environment with this fragment's own schema, so the source works
 * the same whether or not `kubernetesSourceConfigShape` has been merged into the service schema.
 */
export function resolveKubernetesSourceConfig(config: Readonly<Record<string, unknown>>, environment: NodeJS.ProcessEnv = process.env): KubernetesSourceConfig {
  const resolved: Record<string, unknown> = { ...loadConfig(kubernetesSourceConfigSchema, { env: environment }) };
  for (const key of Object.keys(kubernetesSourceConfigShape)) {
    if (config[key] !== undefined) resolved[key] = config[key];
  }
  return resolved as KubernetesSourceConfig;
}
