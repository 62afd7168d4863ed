import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { KubeObject } from '../types.js';

/**
 * A fake Kubernetes apiserver for tests (there is no cluster here). It speaks the real wire format:
 * `<Kind>List` bodies with `metadata.resourceVersion` and `continue` paging, watch streams of
 * newline-delimited `{"type":…,"object":…}` from a resourceVersion, BOOKMARKs, `timeoutSeconds`,
 * `Status` error bodies, and `410 Gone` for expired resourceVersions (as a watch ERROR event, like a
 * real apiserver, or as an HTTP 410, like some proxies/older servers).
 */

export type Resource = 'pods' | 'events' | 'nodes' | 'rollouts';

const KINDS: Record<Resource, { kind: string; apiVersion: string; namespaced: boolean }> = {
  pods: { kind: 'Pod', apiVersion: 'v1', namespaced: true },
  events: { kind: 'Event', apiVersion: 'v1', namespaced: true },
  nodes: { kind: 'Node', apiVersion: 'v1', namespaced: false },
  rollouts: { kind: 'Rollout', apiVersion: 'argoproj.io/v1alpha1', namespaced: true },
};

interface HistoryEntry {
  rv: number;
  resource: Resource;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: KubeObject;
}

interface OpenWatch {
  resource: Resource;
  namespace: string | undefined;
  selector: string | undefined;
  res: http.ServerResponse;
  timer?: NodeJS.Timeout;
}

export interface RecordedRequest {
  resource: Resource | undefined;
  path: string;
  watch: boolean;
  query: Record<string, string>;
  at: number;
}

function json(res: http.ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function status(code: number, reason: string, message: string) {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

/** Equality-based selectors (`a=b,c!=d,e`), which is all rollwatch's users are documented to need. */
export function matchesSelector(labels: Record<string, string> | undefined, selector: string | undefined): boolean {
  if (!selector) return true;
  const l = labels ?? {};
  return selector.split(',').every((term) => {
    const t = term.trim();
    if (!t) return true;
    const ne = /^([^!=]+)!=(.*)$/.exec(t);
    if (ne) return l[ne[1]!.trim()] !== ne[2]!.trim();
    const eq = /^([^!=]+)==?(.*)$/.exec(t);
    if (eq) return l[eq[1]!.trim()] === eq[2]!.trim();
    if (t.startsWith('!')) return !(t.slice(1) in l);
    return t in l;
  });
}

export class FakeApiServer {
  readonly token = 'fake-token-0123456789';
  readonly requests: RecordedRequest[] = [];
  /** How an expired resourceVersion is reported on a watch. */
  goneMode: 'event' | 'http' = 'event';
  /** Serve Argo Rollouts (else 404, as when the CRD is not installed). */
  serveRollouts = true;
  private rv = 100;
  /** Watches from a resourceVersion older than this get 410 Gone. */
  private oldestRv = 0;
  private readonly objects = new Map<Resource, Map<string, KubeObject>>();
  private readonly history: HistoryEntry[] = [];
  private readonly watches = new Set<OpenWatch>();
  private readonly failures: { resource: Resource; watch: boolean | undefined; code: number }[] = [];
  private readonly server: http.Server;
  private dir: string | undefined;
  private watchWaiters: { resource: Resource; count: number; resolve: () => void }[] = [];
  url = '';

  private constructor() {
    this.server = http.createServer((req, res) => this.handle(req, res));
  }

  static async start(): Promise<FakeApiServer> {
    const fake = new FakeApiServer();
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    fake.url = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
    return fake;
  }

  /** Writes a kubeconfig pointing at this server (bearer token auth) and returns its path. */
  writeKubeconfig(): string {
    this.dir ??= mkdtempSync(path.join(tmpdir(), 'rollwatch-fake-kube-'));
    const file = path.join(this.dir, 'kubeconfig');
    writeFileSync(
      file,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        '- name: fake',
        '  cluster:',
        `    server: ${this.url}`,
        // The client library only allows plain http when TLS verification is explicitly off.
        '    insecure-skip-tls-verify: true',
        'users:',
        '- name: fake-user',
        '  user:',
        `    token: ${this.token}`,
        'contexts:',
        '- name: fake',
        '  context:',
        '    cluster: fake',
        '    user: fake-user',
        'current-context: fake',
        '',
      ].join('\n'),
    );
    return file;
  }

  async close(): Promise<void> {
    for (const w of this.watches) {
      clearTimeout(w.timer);
      w.res.destroy();
    }
    this.watches.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }

  // ---- state changes (each gets a new resourceVersion and is streamed to open watches) ----

  upsert(resource: Resource, object: KubeObject): KubeObject {
    const store = this.store(resource);
    const uid = object.metadata?.uid;
    if (!uid) throw new Error('fixture objects need metadata.uid');
    const existed = store.has(uid);
    const stored = this.stamp(resource, object);
    store.set(uid, stored);
    this.record(resource, existed ? 'MODIFIED' : 'ADDED', stored);
    return stored;
  }

  remove(resource: Resource, object: KubeObject): void {
    const uid = object.metadata?.uid;
    const store = this.store(resource);
    const current = uid ? store.get(uid) : undefined;
    if (!current || !uid) return;
    store.delete(uid);
    this.record(resource, 'DELETED', this.stamp(resource, current));
  }

  /** Changes objects without telling open watches (what a watch misses while disconnected). */
  upsertSilently(resource: Resource, object: KubeObject): void {
    const stored = this.stamp(resource, object);
    this.store(resource).set(object.metadata!.uid!, stored);
    this.history.push({ rv: this.rv, resource, type: 'MODIFIED', object: stored });
  }

  /** Forgets history: watches from any resourceVersion seen so far now get 410 Gone. */
  compact(): void {
    this.oldestRv = this.rv + 1;
  }

  /** Sends a 410 to every open watch of `resource` (the apiserver's "too old resource version"). */
  expireWatches(resource: Resource): void {
    for (const w of [...this.watches]) {
      if (w.resource !== resource) continue;
      w.res.end(JSON.stringify({ type: 'ERROR', object: status(410, 'Expired', 'too old resource version') }) + '\n');
      this.closeWatch(w);
    }
  }

  /** Kills open watch connections mid-stream (a load balancer reset, an apiserver restart). */
  dropWatches(resource?: Resource): void {
    for (const w of [...this.watches]) {
      if (resource && w.resource !== resource) continue;
      w.res.socket?.destroy();
      this.closeWatch(w);
    }
  }

  /** The next request(s) for `resource` (list, watch or either) fail with HTTP `code`. */
  failNext(resource: Resource, code: number, opts: { watch?: boolean; times?: number } = {}): void {
    for (let i = 0; i < (opts.times ?? 1); i++) this.failures.push({ resource, watch: opts.watch, code });
  }

  bookmark(resource: Resource): void {
    for (const w of this.watches) {
      if (w.resource !== resource) continue;
      const { kind, apiVersion } = KINDS[resource];
      w.res.write(JSON.stringify({ type: 'BOOKMARK', object: { kind, apiVersion, metadata: { resourceVersion: String(this.rv) } } }) + '\n');
    }
  }

  openWatches(resource: Resource): number {
    return [...this.watches].filter((w) => w.resource === resource).length;
  }

  /** Resolves once `count` watch requests for `resource` have been accepted in total. */
  waitForWatches(resource: Resource, count: number): Promise<void> {
    if (this.watchRequests(resource).length >= count) return Promise.resolve();
    return new Promise((resolve) => this.watchWaiters.push({ resource, count, resolve }));
  }

  watchRequests(resource: Resource): RecordedRequest[] {
    return this.requests.filter((r) => r.resource === resource && r.watch);
  }

  listRequests(resource: Resource): RecordedRequest[] {
    return this.requests.filter((r) => r.resource === resource && !r.watch);
  }

  // ---- internals ----

  private store(resource: Resource): Map<string, KubeObject> {
    let s = this.objects.get(resource);
    if (!s) this.objects.set(resource, (s = new Map()));
    return s;
  }

  private stamp(resource: Resource, object: KubeObject): KubeObject {
    const { kind, apiVersion } = KINDS[resource];
    this.rv++;
    return { ...structuredClone(object), kind, apiVersion, metadata: { ...structuredClone(object.metadata), resourceVersion: String(this.rv) } };
  }

  private record(resource: Resource, type: HistoryEntry['type'], object: KubeObject): void {
    this.history.push({ rv: this.rv, resource, type, object });
    for (const w of this.watches) {
      if (w.resource === resource && this.visible(w.namespace, w.selector, object)) w.res.write(JSON.stringify({ type, object }) + '\n');
    }
  }

  private visible(namespace: string | undefined, selector: string | undefined, object: KubeObject): boolean {
    if (namespace && object.metadata?.namespace !== namespace) return false;
    return matchesSelector(object.metadata?.labels, selector);
  }

  private closeWatch(w: OpenWatch): void {
    clearTimeout(w.timer);
    this.watches.delete(w);
  }

  private route(pathname: string): { resource: Resource; namespace: string | undefined } | undefined {
    const m =
      /^\/api\/v1\/(?:namespaces\/([^/]+)\/)?(pods|events|nodes)$/.exec(pathname) ??
      /^\/apis\/argoproj\.io\/v1alpha1\/(?:namespaces\/([^/]+)\/)?(rollouts)$/.exec(pathname);
    if (!m) return undefined;
    return { resource: m[2] as Resource, namespace: m[1] ? decodeURIComponent(m[1]) : undefined };
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', this.url);
    const route = this.route(url.pathname);
    const query = Object.fromEntries(url.searchParams);
    const watch = query.watch === 'true' || query.watch === '1';
    this.requests.push({ resource: route?.resource, path: url.pathname, watch, query, at: Date.now() });
    if (req.headers.authorization !== `Bearer ${this.token}`) return json(res, 401, status(401, 'Unauthorized', 'Unauthorized'));
    if (!route) return json(res, 404, status(404, 'NotFound', 'the server could not find the requested resource'));
    if (route.resource === 'rollouts' && !this.serveRollouts) return json(res, 404, status(404, 'NotFound', 'the server could not find the requested resource'));
    const failure = this.failures.findIndex((f) => f.resource === route.resource && (f.watch === undefined || f.watch === watch));
    if (failure >= 0) {
      const code = this.failures.splice(failure, 1)[0]!.code;
      return json(res, code, status(code, code === 403 ? 'Forbidden' : code === 410 ? 'Expired' : 'InternalError', `injected failure ${code}`));
    }
    if (watch) this.serveWatch(route.resource, route.namespace, query, res);
    else this.serveList(route.resource, route.namespace, query, res);
  }

  private serveList(resource: Resource, namespace: string | undefined, query: Record<string, string>, res: http.ServerResponse): void {
    const all = [...this.store(resource).values()]
      .filter((o) => this.visible(namespace, query.labelSelector, o))
      .sort((a, b) => (a.metadata!.uid! < b.metadata!.uid! ? -1 : 1));
    const start = query.continue ? Number(Buffer.from(query.continue, 'base64url').toString()) : 0;
    const limit = query.limit ? Number(query.limit) : all.length;
    const page = all.slice(start, start + limit);
    const more = start + limit < all.length;
    const { kind, apiVersion } = KINDS[resource];
    json(res, 200, {
      kind: `${kind}List`,
      apiVersion,
      metadata: { resourceVersion: String(this.rv), ...(more ? { continue: Buffer.from(String(start + limit)).toString('base64url') } : {}) },
      // Real list items carry no kind/apiVersion.
      items: page.map(({ kind: _k, apiVersion: _a, ...rest }) => rest),
    });
  }

  private serveWatch(resource: Resource, namespace: string | undefined, query: Record<string, string>, res: http.ServerResponse): void {
    const from = query.resourceVersion ? Number(query.resourceVersion) : undefined;
    if (from !== undefined && from !== 0 && from < this.oldestRv - 1) {
      if (this.goneMode === 'http') return json(res, 410, status(410, 'Expired', `too old resource version: ${from} (${this.oldestRv})`));
      res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
      res.end(JSON.stringify({ type: 'ERROR', object: status(410, 'Expired', `too old resource version: ${from} (${this.oldestRv})`) }) + '\n');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    const w: OpenWatch = { resource, namespace, selector: query.labelSelector, res };
    if (from === undefined || from === 0) {
      // No resourceVersion: synthetic ADDED for the current state, like the apiserver.
      for (const o of this.store(resource).values()) if (this.visible(namespace, w.selector, o)) res.write(JSON.stringify({ type: 'ADDED', object: o }) + '\n');
    } else {
      for (const h of this.history) {
        if (h.resource === resource && h.rv > from && this.visible(namespace, w.selector, h.object)) res.write(JSON.stringify({ type: h.type, object: h.object }) + '\n');
      }
    }
    const timeout = Number(query.timeoutSeconds ?? 0);
    if (timeout > 0) w.timer = setTimeout(() => {
      this.closeWatch(w);
      res.end();
    }, timeout * 1000);
    res.on('close', () => this.closeWatch(w));
    this.watches.add(w);
    const total = this.watchRequests(resource).length;
    this.watchWaiters = this.watchWaiters.filter((waiter) => {
      if (waiter.resource === resource && total >= waiter.count) {
        waiter.resolve();
        return false;
      }
      return true;
    });
  }
}
