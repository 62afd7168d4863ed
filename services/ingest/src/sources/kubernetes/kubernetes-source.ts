import type { KubeConfig } from '@kubernetes/client-node';
import { errorMessage, isRetriable, retry, type Logger } from '@rollwatch/core';
import type { EventSink, Source, SourceEvent, SourceStatus } from '../interface.js';
import { resolveKubernetesSourceConfig, type KubernetesSourceConfig } from './config.js';
import { kubeEventEvents, type EventSubject } from './event-mapping.js';
import { KubeHttpTransport, type KubeTransport } from './kube-http.js';
import { loadKubeConfig } from './kubeconfig.js';
import { nodeHostAttributes } from './node-facts.js';
import { SOURCE_NAME, podEvents } from './pod-events.js';
import { RecentIds } from './recent-ids.js';
import { Reflector, type ChangeType } from './reflector.js';
import type { KubeEvent, KubeObject, Node, Pod, Rollout } from './types.js';
import { LABELS } from '../../mapping/labels.js';
import { K8S_LABELS, flaggerRole, podEventLabels, podRevision, podVersion, workloadOf, type RevisionContext } from './workload.js';

export { kubernetesSourceConfigShape, type KubernetesSourceConfig } from './config.js';

/** Events about a deleted pod (Killing, BackOff) keep arriving for a while; keep its identity this long. */
const TOMBSTONE_MS = 10 * 60_000;
/** Pods are attributed from caches; don't hold Events back longer than this waiting for them. */
const SYNC_WAIT_MS = 10_000;

export interface KubernetesSourceDeps {
  kubeConfig?: KubeConfig;
  transport?: KubeTransport;
  now?: () => number;
  /** Backoff jitter, for deterministic tests. */
  random?: () => number;
  /** How long pods wait for nodes/Rollouts (and Events for pods) to sync before starting anyway. */
  syncWaitMs?: number;
}

/**
 * Kubernetes source: list+watch of pods, core Events, nodes and Argo Rollouts, turned into
 * rollwatch events. Rollout/group mapping happens in the pipeline from the labels set here.
 */
export class KubernetesSource implements Source {
  readonly name = SOURCE_NAME;
  private readonly logger: Logger;
  private readonly reflectors: Reflector<KubeObject>[] = [];
  private readonly connected = new Map<string, boolean>();
  private readonly optional = new Set<string>();
  private readonly hostAttributes = new Map<string, Record<string, string>>();
  private readonly stableHashes = new Map<string, string>();
  /** namespace/rollout → the Rollout's `status.currentPodHash` (the revision being rolled out). */
  private readonly currentHashes = new Map<string, string>();
  /** namespace/workload → live pods (by namespace/name): Flagger pairs and their shared revision. */
  private readonly workloadPods = new Map<string, Map<string, Pod>>();
  /** namespace/name → pod, including recently deleted pods (with their deletion time). */
  private readonly podsByName = new Map<string, { pod: Pod; deletedAt?: number }>();
  private readonly emitted = new RecentIds();
  private sink: EventSink | undefined;
  private transport: KubeTransport | undefined;
  private stopping = new AbortController();
  private startup: Promise<void> | undefined;
  private lastEventAt: string | undefined;
  private lastError: string | undefined;
  private reconnects = 0;
  private readonly now: () => number;

  constructor(
    private readonly config: KubernetesSourceConfig,
    logger: Logger,
    private readonly deps: KubernetesSourceDeps = {},
  ) {
    this.logger = logger;
    this.now = deps.now ?? Date.now;
  }

  async start(sink: EventSink): Promise<void> {
    if (this.sink) return;
    this.sink = sink;
    this.stopping = new AbortController();
    this.transport = this.deps.transport ?? new KubeHttpTransport(this.deps.kubeConfig ?? loadKubeConfig(this.config));
    const namespaces = this.config.K8S_NAMESPACES.length ? this.config.K8S_NAMESPACES : [undefined];
    const nsPath = (prefix: string, resource: string, ns: string | undefined) => (ns ? `${prefix}/namespaces/${encodeURIComponent(ns)}/${resource}` : `${prefix}/${resource}`);
    const scope = (ns: string | undefined) => ns ?? '*';

    const nodes = this.reflector<Node>('nodes', '/api/v1/nodes', { optional: true, trim: trimNode }, (type, node) => this.onNode(type, node));
    const rollouts = this.config.K8S_WATCH_ROLLOUTS
      ? namespaces.map((ns) =>
          this.reflector<Rollout>(`rollouts(${scope(ns)})`, nsPath('/apis/argoproj.io/v1alpha1', 'rollouts', ns), { absentCodes: [404], optional: true }, (type, r) => this.onRollout(type, r)),
        )
      : [];
    const pods = namespaces.map((ns) =>
      this.reflector<Pod>(`pods(${scope(ns)})`, nsPath('/api/v1', 'pods', ns), { labelSelector: this.config.K8S_LABEL_SELECTOR }, (type, pod, prev) =>
        this.onPod(type, pod, prev),
      ),
    );
    const events = this.config.K8S_WATCH_EVENTS
      ? namespaces.map((ns) => this.reflector<KubeEvent>(`events(${scope(ns)})`, nsPath('/api/v1', 'events', ns), {}, (type, e, prev) => this.onKubeEvent(type, e, prev)))
      : [];

    // Nodes and Rollouts first (they enrich pod events), then pods (Events are attributed to them).
    const bounded = (rs: Reflector<KubeObject>[]) =>
      Promise.race([Promise.all(rs.map((r) => r.waitForSync())), new Promise((r) => setTimeout(r, this.deps.syncWaitMs ?? SYNC_WAIT_MS).unref())]);
    this.startup = (async () => {
      for (const r of [nodes, ...rollouts]) r.start();
      await bounded([nodes, ...rollouts] as Reflector<KubeObject>[]);
      if (this.stopping.signal.aborted) return;
      for (const r of pods) r.start();
      await bounded(pods as Reflector<KubeObject>[]);
      if (this.stopping.signal.aborted) return;
      for (const r of events) r.start();
    })();
    this.logger.info({ namespaces: this.config.K8S_NAMESPACES, labelSelector: this.config.K8S_LABEL_SELECTOR }, 'kubernetes source started');
  }

  /**
   * Resolves once the pod and Event watches have delivered their first full list, and nodes/Rollouts
   * have too or were given up on for now (forbidden, unreachable) after the sync wait.
   */
  async waitForSync(): Promise<void> {
    await this.startup;
    await Promise.all(this.reflectors.filter((r) => !this.optional.has(r.name)).map((r) => r.waitForSync()));
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.startup;
    await Promise.all(this.reflectors.map((r) => r.stop()));
    this.sink = undefined;
  }

  status(): SourceStatus {
    // Nodes and Rollouts only enrich; a namespace-scoped Role may not grant them. Connected means
    // the pod and Event watches are up; problems with the others still show in lastError.
    const active = this.reflectors.filter((r) => !r.isAbsent && !this.optional.has(r.name));
    const connected = active.length > 0 && active.every((r) => this.connected.get(r.name) === true);
    return {
      name: this.name,
      connected,
      ...(this.lastEventAt ? { lastEventAt: this.lastEventAt } : {}),
      ...(this.lastError ? { lastError: this.lastError } : {}),
      reconnects: this.reconnects,
    };
  }

  private reflector<T extends KubeObject>(
    name: string,
    path: string,
    extra: { labelSelector?: string; absentCodes?: number[]; optional?: boolean; trim?: (object: T) => T },
    onChange: (type: ChangeType, object: T, previous: T | undefined) => Promise<void>,
  ): Reflector<T> {
    if (!this.transport) throw new Error('reflector() before start()');
    const reflector: Reflector<T> = new Reflector<T>({
      name,
      path,
      transport: this.transport,
      logger: this.logger,
      onChange,
      resyncMs: this.config.K8S_RESYNC_SECONDS * 1000,
      watchTimeoutSeconds: this.config.K8S_WATCH_TIMEOUT_SECONDS,
      backoff: { initialDelayMs: this.config.K8S_BACKOFF_INITIAL_MS, maxDelayMs: this.config.K8S_BACKOFF_MAX_MS, ...(this.deps.random ? { random: this.deps.random } : {}) },
      ...(extra.labelSelector ? { labelSelector: extra.labelSelector } : {}),
      ...(extra.absentCodes ? { absentCodes: extra.absentCodes } : {}),
      ...(extra.trim ? { trim: extra.trim } : {}),
      onConnectionChange: (up, error) => {
        this.connected.set(name, up);
        if (error) this.lastError = `${name}: ${error}`;
      },
      onReconnect: () => {
        this.reconnects++;
      },
    });
    this.reflectors.push(reflector as unknown as Reflector<KubeObject>);
    this.connected.set(name, false);
    if (extra.optional) this.optional.add(name);
    return reflector;
  }

  private async onNode(type: ChangeType, node: Node): Promise<void> {
    const name = node.metadata?.name;
    if (!name) return;
    if (type === 'DELETED') this.hostAttributes.delete(name);
    else this.hostAttributes.set(name, nodeHostAttributes(node, this.config.K8S_NODE_LABELS));
  }

  private async onRollout(type: ChangeType, rollout: Rollout): Promise<void> {
    const key = `${rollout.metadata?.namespace}/${rollout.metadata?.name}`;
    const stable = rollout.status?.stableRS;
    if (type === 'DELETED' || !stable) this.stableHashes.delete(key);
    else this.stableHashes.set(key, stable);
    const current = rollout.status?.currentPodHash;
    if (type === 'DELETED' || !current) this.currentHashes.delete(key);
    else this.currentHashes.set(key, current);
  }

  private readonly revisionContext: RevisionContext = {
    argoCurrentHash: (namespace, rollout) => this.currentHashes.get(`${namespace}/${rollout}`),
    hasWorkloadPods: (namespace, workload) => (this.workloadPods.get(`${namespace}/${workload}`)?.size ?? 0) > 0,
    newestWorkloadHash: (namespace, workload) => {
      let newest: Pod | undefined;
      for (const pod of this.workloadPods.get(`${namespace}/${workload}`)?.values() ?? []) {
        if ((pod.metadata?.creationTimestamp ?? '') >= (newest?.metadata?.creationTimestamp ?? '')) newest = pod;
      }
      return newest?.metadata?.labels?.['pod-template-hash'];
    },
  };

  private trackWorkloadPod(type: ChangeType, pod: Pod, key: string): void {
    const workload = workloadOf(pod);
    if (!workload || !pod.metadata?.namespace) return;
    const group = `${pod.metadata.namespace}/${workload.name}`;
    const pods = this.workloadPods.get(group) ?? new Map<string, Pod>();
    if (type === 'DELETED' || pod.metadata.deletionTimestamp) pods.delete(key);
    else pods.set(key, pod);
    if (pods.size > 0) this.workloadPods.set(group, pods);
    else this.workloadPods.delete(group);
  }

  private subjectOf(pod: Pod): EventSubject {
    const node = pod.spec?.nodeName;
    const attrs = node ? this.hostAttributes.get(node) : undefined;
    const workload = workloadOf(pod);
    const version = podVersion(pod);
    const labels = podEventLabels(pod, (ns, name) => this.stableHashes.get(`${ns}/${name}`));
    const flagger = flaggerRole(pod, this.revisionContext);
    if (flagger) labels[LABELS.flagger] = flagger;
    // A revision the pod declares itself (rollwatch.io/revision) wins over the derived one.
    const revision = labels[LABELS.revision] ?? podRevision(pod, this.revisionContext);
    if (revision) labels[LABELS.revision] = revision;
    return {
      instance: pod.metadata?.name ?? pod.metadata?.uid ?? 'unknown',
      labels,
      ...(node ? { host: node } : {}),
      ...(attrs ? { hostAttributes: attrs } : {}),
      ...(workload ? { service: workload.name } : {}),
      ...(version ? { version } : {}),
    };
  }

  private async onPod(type: ChangeType, pod: Pod, previous: Pod | undefined): Promise<void> {
    const key = `${pod.metadata?.namespace}/${pod.metadata?.name}`;
    const now = this.now();
    if (type === 'DELETED') this.podsByName.set(key, { pod, deletedAt: now });
    else this.podsByName.set(key, { pod });
    this.trackWorkloadPod(type, pod, key);
    this.expireTombstones(now);
    const subject = this.subjectOf(pod);
    const events = podEvents(type === 'ADDED' ? undefined : previous, pod, {
      now,
      lookbackMs: this.config.K8S_INITIAL_LOOKBACK_SECONDS * 1000,
      labels: subject.labels,
      ...(subject.host ? { host: subject.host } : {}),
      ...(subject.hostAttributes ? { hostAttributes: subject.hostAttributes } : {}),
      ...(subject.service ? { service: subject.service } : {}),
      ...(subject.version ? { version: subject.version } : {}),
    });
    await this.emit(events);
  }

  private expireTombstones(now: number): void {
    for (const [key, entry] of this.podsByName) {
      if (entry.deletedAt !== undefined && now - entry.deletedAt > TOMBSTONE_MS) this.podsByName.delete(key);
    }
  }

  private eventSubject(event: KubeEvent): EventSubject | undefined {
    const involved = event.involvedObject;
    if (involved?.kind === 'Pod') {
      const entry = this.podsByName.get(`${involved.namespace ?? event.metadata?.namespace}/${involved.name}`);
      // Unknown pod: filtered out by the label selector (or not listed yet); not ours to report.
      if (!entry || (involved.uid && entry.pod.metadata?.uid && involved.uid !== entry.pod.metadata.uid)) return undefined;
      return this.subjectOf(entry.pod);
    }
    if (involved?.kind === 'Node' && involved.name) {
      const attrs = this.hostAttributes.get(involved.name);
      return { instance: involved.name, host: involved.name, labels: { [K8S_LABELS.node]: involved.name }, ...(attrs ? { hostAttributes: attrs } : {}) };
    }
    return undefined;
  }

  private async onKubeEvent(type: ChangeType, event: KubeEvent, previous: KubeEvent | undefined): Promise<void> {
    if (type === 'DELETED') return;
    const subject = this.eventSubject(event);
    if (!subject) return;
    const out = kubeEventEvents(type === 'ADDED' ? undefined : previous, event, {
      now: this.now(),
      lookbackMs: this.config.K8S_INITIAL_LOOKBACK_SECONDS * 1000,
      subject,
    });
    await this.emit(out);
  }

  /**
   * Hands events to the sink, retrying transient sink failures through core `retry()`. Never throws:
   * a throw would restart the watch, and the cache has already moved on, so retrying here is the only
   * way not to lose the batch.
   */
  private async emit(events: SourceEvent[]): Promise<void> {
    const fresh = events.filter((e) => e.id === undefined || !this.emitted.has(e.id));
    if (!fresh.length || !this.sink) return;
    const sink = this.sink;
    const outcome = await retry<void>(
      async () => {
        try {
          await sink.emit(fresh);
          return { status: 'success', value: undefined };
        } catch (error) {
          return isRetriable(error) ? { status: 'retryable', error: errorMessage(error) } : { status: 'failure', error: errorMessage(error) };
        }
      },
      { signal: this.stopping.signal },
    );
    if (outcome.result.status !== 'success') {
      this.lastError = `sink: ${outcome.result.error}`;
      this.logger.error({ error: outcome.result.error, dropped: fresh.length, attempts: outcome.attempts }, 'sink rejected kubernetes events');
      return;
    }
    for (const e of fresh) if (e.id) this.emitted.add(e.id);
    this.lastEventAt = new Date(this.now()).toISOString();
  }
}

/** A node's status carries every cached image and volume; only its identity and nodeInfo are used. */
function trimNode(node: Node): Node {
  return { ...(node.apiVersion ? { apiVersion: node.apiVersion } : {}), ...(node.kind ? { kind: node.kind } : {}), metadata: node.metadata ?? {}, status: { ...(node.status?.nodeInfo ? { nodeInfo: node.status.nodeInfo } : {}) } };
}

/** Factory entry point used by `services/ingest/src/sources/factory.ts`. */
export function createKubernetesSource(config: Readonly<Record<string, unknown>>, logger: Logger): Source {
  return new KubernetesSource(resolveKubernetesSourceConfig(config), logger);
}
