import { ValidationError } from '@rollwatch/core';
import type { AlertsConfig } from '../config.js';
import { secretKey } from '../http/signing.js';
import { ArgoRolloutsActuator } from './argo-rollouts.js';
import { DockerSwarmActuator } from './docker-swarm.js';
import type { Actuator } from './interface.js';
import { inClusterApiUrl, KubeClient } from './kube-client.js';
import { KubernetesDeploymentActuator } from './kubernetes-deployment.js';
import { WebhookActuator } from './webhook.js';

function kubeClient(config: AlertsConfig): KubeClient {
  const apiUrl = config.ALERTS_K8S_API_URL ?? inClusterApiUrl();
  if (!apiUrl) throw new ValidationError('ALERTS_K8S_API_URL', `is required for ALERTS_ACTUATOR=${config.ALERTS_ACTUATOR} outside a pod`);
  return new KubeClient({ apiUrl, tokenFile: config.ALERTS_K8S_TOKEN_FILE, caFile: config.ALERTS_K8S_CA_FILE, timeoutMs: config.ALERTS_HTTP_TIMEOUT_MS });
}

function actuatorUrl(config: AlertsConfig): string {
  if (!config.ALERTS_ACTUATOR_URL) throw new ValidationError('ALERTS_ACTUATOR_URL', `is required for ALERTS_ACTUATOR=${config.ALERTS_ACTUATOR}`);
  return config.ALERTS_ACTUATOR_URL;
}

/** The configured actuator; undefined for `none` (actions are then recorded as skipped). */
export function createActuator(config: AlertsConfig): Actuator | undefined {
  const kind = config.ALERTS_ACTUATOR;
  switch (kind) {
    case 'none':
      return undefined;
    case 'webhook':
      return new WebhookActuator({
        url: actuatorUrl(config),
        key: config.ALERTS_WEBHOOK_SECRET ? secretKey(config.ALERTS_WEBHOOK_SECRET) : undefined,
        timeoutMs: config.ALERTS_HTTP_TIMEOUT_MS,
      });
    case 'argo-rollouts':
      return new ArgoRolloutsActuator(kubeClient(config));
    case 'kubernetes-deployment':
      return new KubernetesDeploymentActuator(kubeClient(config));
    case 'docker-swarm':
      return new DockerSwarmActuator({ url: actuatorUrl(config), timeoutMs: config.ALERTS_HTTP_TIMEOUT_MS });
    default: {
      const unknown: never = kind;
      throw new Error(`unknown actuator ${String(unknown)}`);
    }
  }
}
