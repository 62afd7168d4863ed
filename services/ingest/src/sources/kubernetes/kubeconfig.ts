import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { ValidationError } from '@rollwatch/core';
import type { KubernetesSourceConfig } from './config.js';

/**
 * Kubeconfig resolution, kubectl's order: explicit KUBECONFIG (a `:`-separated list, merged), else
 * the pod's service account when running in a cluster, else `~/.kube/config`.
 */
export function loadKubeConfig(config: Pick<KubernetesSourceConfig, 'KUBECONFIG' | 'K8S_CONTEXT'>, env: NodeJS.ProcessEnv = process.env): KubeConfig {
  const kc = new KubeConfig();
  const files = (config.KUBECONFIG ?? '').split(path.delimiter).filter(Boolean);
  try {
    if (files.length) {
      kc.loadFromFile(files[0]!);
      for (const file of files.slice(1)) {
        const other = new KubeConfig();
        other.loadFromFile(file);
        kc.mergeConfig(other);
      }
    } else if (env.KUBERNETES_SERVICE_HOST) {
      kc.loadFromCluster();
    } else {
      kc.loadFromDefault();
    }
  } catch (error) {
    throw new ValidationError('KUBECONFIG', `cannot load kubeconfig: ${(error as Error).message}`);
  }
  if (config.K8S_CONTEXT) {
    if (!kc.getContextObject(config.K8S_CONTEXT)) {
      throw new ValidationError('K8S_CONTEXT', `context "${config.K8S_CONTEXT}" is not in the kubeconfig (have: ${kc.getContexts().map((c) => c.name).join(', ') || 'none'})`);
    }
    kc.setCurrentContext(config.K8S_CONTEXT);
  }
  if (!kc.getCurrentCluster()) throw new ValidationError('KUBECONFIG', 'the kubeconfig has no current cluster');
  return kc;
}
