import type { AttemptResult } from '@rollwatch/core';
import type { Actuation, ActuationRequest, Actuator } from './interface.js';
import { seg, type KubeClient } from './kube-client.js';

export function rolloutPath(namespace: string, name: string): string {
  return `/apis/argoproj.io/v1alpha1/namespaces/${seg(namespace)}/rollouts/${seg(name)}`;
}

/**
 * Argo Rollouts, the way `kubectl argo rollouts pause/abort/retry` do it: pause sets spec.paused,
 * abort sets status.abort through the status subresource (the controller then scales the canary
 * down and returns traffic to stable), resume clears both.
 */
export class ArgoRolloutsActuator implements Actuator {
  readonly name = 'argo-rollouts';
  constructor(private readonly kube: KubeClient) {}

  async pause(request: ActuationRequest, signal?: AbortSignal): Promise<AttemptResult<Actuation>> {
    const path = rolloutPath(request.target.namespace, request.target.name);
    return done(await this.kube.mergePatch(path, { spec: { paused: true } }, signal), 'paused');
  }

  async rollback(request: ActuationRequest, signal?: AbortSignal): Promise<AttemptResult<Actuation>> {
    const path = `${rolloutPath(request.target.namespace, request.target.name)}/status`;
    return done(await this.kube.mergePatch(path, { status: { abort: true } }, signal), 'aborted');
  }

  async resume(request: ActuationRequest, signal?: AbortSignal): Promise<AttemptResult<Actuation>> {
    const path = rolloutPath(request.target.namespace, request.target.name);
    // Clear abort first: a resumed-but-aborted rollout stays on stable.
    const cleared = await this.kube.mergePatch(`${path}/status`, { status: { abort: false } }, signal);
    if (cleared.status !== 'success') return cleared;
    return done(await this.kube.mergePatch(path, { spec: { paused: false } }, signal), 'resumed');
  }
}

function done(result: AttemptResult<{ status: number }>, detail: string): AttemptResult<Actuation> {
  return result.status === 'success' ? { status: 'success', value: { responseCode: result.value.status, detail } } : result;
}
