import { Agent } from 'undici';
import type { AttemptResult } from '@rollwatch/core';
import { httpAttempt } from '../http/attempt.js';
import type { Actuation, ActuationRequest, Actuator } from './interface.js';

export interface DockerSwarmActuatorOptions {
  /** Docker Engine API: http://host:2375, or unix:///var/run/docker.sock. */
  url: string;
  timeoutMs: number;
}

interface SwarmService {
  ID: string;
  Version: { Index: number };
  Spec: Record<string, unknown>;
  PreviousSpec?: Record<string, unknown>;
}

/** Pure: the update call `docker service rollback` makes. */
export function swarmRollbackPath(serviceId: string, versionIndex: number): string {
  return `/services/${encodeURIComponent(serviceId)}/update?version=${versionIndex}&rollback=previous`;
}

/** Docker Swarm: rollback via the service update API; Swarm has no pause for a running update. */
export class DockerSwarmActuator implements Actuator {
  readonly name = 'docker-swarm';
  private readonly base: string;
  private readonly dispatcher: Agent | undefined;

  constructor(private readonly options: DockerSwarmActuatorOptions) {
    if (options.url.startsWith('unix://')) {
      this.dispatcher = new Agent({ connect: { socketPath: options.url.slice('unix://'.length) } });
      this.base = 'http://docker';
    } else {
      this.base = options.url.replace(/\/+$/, '');
    }
  }

  async pause(): Promise<AttemptResult<Actuation>> {
    return { status: 'failure', error: 'docker-swarm cannot pause a service update; use onNoGo: rollback (or update_config.failure_action: pause in the stack)' };
  }

  async resume(): Promise<AttemptResult<Actuation>> {
    return { status: 'failure', error: 'docker-swarm cannot resume a service update; redeploy the service' };
  }

  async rollback(request: ActuationRequest, signal?: AbortSignal): Promise<AttemptResult<Actuation>> {
    const id = request.target.name;
    const current = await this.call('GET', `/services/${encodeURIComponent(id)}`, undefined, signal);
    if (current.status !== 'success') return current;
    let service: SwarmService;
    try {
      service = JSON.parse(current.value.body) as SwarmService;
    } catch {
      return { status: 'failure', error: 'Docker returned invalid JSON for the service' };
    }
    if (!service.PreviousSpec) return { status: 'failure', error: `service ${id} has no previous spec to roll back to` };
    // The version index makes the update conditional (optimistic concurrency, like kubectl's resourceVersion).
    const result = await this.call('POST', swarmRollbackPath(id, service.Version.Index), JSON.stringify(service.Spec), signal);
    if (result.status === 'failure' && /update out of sequence/i.test(result.error)) return { status: 'retryable', error: result.error, code: result.code };
    if (result.status !== 'success') return result;
    return { status: 'success', value: { responseCode: result.value.status, detail: `rolled back service ${id} from version ${service.Version.Index}` } };
  }

  private call(method: 'GET' | 'POST', path: string, body: string | undefined, signal?: AbortSignal) {
    return httpAttempt({
      url: `${this.base}${path}`,
      method,
      headers: body ? { 'content-type': 'application/json' } : {},
      body,
      timeoutMs: this.options.timeoutMs,
      dispatcher: this.dispatcher,
      signal,
    });
  }
}
