import type { AttemptResult } from '@rollwatch/core';
import type { HttpResponse } from '../http/attempt.js';
import type { Actuation, ActuationRequest, Actuator } from './interface.js';
import { seg, type KubeClient } from './kube-client.js';
import { mergePatchBetween } from './merge-patch.js';

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
const POD_TEMPLATE_HASH = 'pod-template-hash';

interface ObjectMeta {
  name: string;
  uid: string;
  resourceVersion?: string;
  annotations?: Record<string, string>;
  labels?: Record<string, string>;
  ownerReferences?: { uid: string; kind?: string }[];
}
interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> } & Record<string, unknown>;
  spec?: Record<string, unknown>;
}
export interface DeploymentObject {
  metadata: ObjectMeta;
  spec: { paused?: boolean; selector?: { matchLabels?: Record<string, string> }; template: PodTemplate };
}
export interface ReplicaSetObject {
  metadata: ObjectMeta;
  spec: { template: PodTemplate };
}

export function deploymentPath(namespace: string, name: string): string {
  return `/apis/apps/v1/namespaces/${seg(namespace)}/deployments/${seg(name)}`;
}

export type RollbackPlan =
  | { ok: true; revision: number; template: PodTemplate }
  | { ok: false; reason: string };

function revisionOf(rs: ReplicaSetObject): number {
  const n = Number(rs.metadata.annotations?.[REVISION_ANNOTATION]);
  return Number.isInteger(n) ? n : -1;
}

/**
 * Pure: what `kubectl rollout undo` picks — the owned ReplicaSet with the highest revision below the
 * current one — and its template without `pod-template-hash` (the controller adds that itself).
 */
export function planRollback(deployment: DeploymentObject, replicaSets: readonly ReplicaSetObject[]): RollbackPlan {
  const name = deployment.metadata.name;
  if (deployment.spec.paused) {
    return { ok: false, reason: `deployment ${name} is paused; resume it (kubectl rollout resume deployment/${name}) before rolling back` };
  }
  const owned = replicaSets.filter((rs) => rs.metadata.ownerReferences?.some((o) => o.uid === deployment.metadata.uid));
  const revisions = owned.map(revisionOf).filter((r) => r > 0);
  const current = revisions.reduce((max, r) => Math.max(max, r), Math.max(Number(deployment.metadata.annotations?.[REVISION_ANNOTATION] ?? 0) || 0, 0));
  const previous = owned.filter((rs) => revisionOf(rs) > 0 && revisionOf(rs) < current).sort((a, b) => revisionOf(b) - revisionOf(a))[0];
  if (!previous) return { ok: false, reason: `deployment ${name} has no previous revision to roll back to (current revision ${current})` };
  const template = structuredClone(previous.spec.template);
  if (template.metadata?.labels) {
    delete template.metadata.labels[POD_TEMPLATE_HASH];
  }
  return { ok: true, revision: revisionOf(previous), template };
}

function parse<T>(result: AttemptResult<HttpResponse>): AttemptResult<T> {
  if (result.status !== 'success') return result;
  try {
    return { status: 'success', value: JSON.parse(result.value.body) as T };
  } catch {
    return { status: 'failure', error: 'API server returned invalid JSON', code: result.value.status };
  }
}

/** Kubernetes Deployment: pause/resume via spec.paused, rollback like `kubectl rollout undo`. */
export class KubernetesDeploymentActuator implements Actuator {
  readonly name = 'kubernetes-deployment';
  constructor(private readonly kube: KubeClient) {}

  async pause(request: ActuationRequest, signal?: AbortSignal): Promise<AttemptResult<Actuation>> {
    return this.setPaused(request, true, signal);
  }

  async resume(request: ActuationRequest, signal?: AbortSignal): Promise<AttemptResult<Actuation>> {
    return this.setPaused(request, false, signal);
  }

  async rollback(request: ActuationRequest, signal?: AbortSignal): Promise<AttemptResult<Actuation>> {
    const { namespace, name } = request.target;
    const path = deploymentPath(namespace, name);
    const deployment = parse<DeploymentObject>(await this.kube.get(path, signal));
    if (deployment.status !== 'success') return deployment;
    const matchLabels = deployment.value.spec.selector?.matchLabels ?? {};
    const selector = Object.entries(matchLabels).map(([k, v]) => `${k}=${v}`).join(',');
    const listPath = `/apis/apps/v1/namespaces/${seg(namespace)}/replicasets${selector ? `?labelSelector=${encodeURIComponent(selector)}` : ''}`;
    const list = parse<{ items: ReplicaSetObject[] }>(await this.kube.get(listPath, signal));
    if (list.status !== 'success') return list;
    const plan = planRollback(deployment.value, list.value.items ?? []);
    if (!plan.ok) return { status: 'failure', error: plan.reason };
    const templatePatch = mergePatchBetween(deployment.value.spec.template, plan.template);
    if (templatePatch === undefined) return { status: 'success', value: { responseCode: 200, detail: `already at the template of revision ${plan.revision}` } };
    // resourceVersion makes the patch conditional: if the Deployment changed since we read it,
    // the API server answers 409 and the retry re-reads it.
    const patch = { metadata: { resourceVersion: deployment.value.metadata.resourceVersion }, spec: { template: templatePatch } };
    const result = await this.kube.mergePatch(path, patch, signal);
    if (result.status === 'failure' && result.code === 409) return { status: 'retryable', error: result.error, code: 409 };
    if (result.status !== 'success') return result;
    return { status: 'success', value: { responseCode: result.value.status, detail: `rolled back to revision ${plan.revision}` } };
  }

  private async setPaused(request: ActuationRequest, paused: boolean, signal?: AbortSignal): Promise<AttemptResult<Actuation>> {
    const result = await this.kube.mergePatch(deploymentPath(request.target.namespace, request.target.name), { spec: { paused } }, signal);
    return result.status === 'success' ? { status: 'success', value: { responseCode: result.value.status, detail: paused ? 'paused' : 'resumed' } } : result;
  }
}
