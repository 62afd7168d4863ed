import { errorMessage, isRetriable, retry, type AttemptResult, type Logger } from '@rollwatch/core';
import { KubeApiError, isGone, type KubeTransport, type Query } from './kube-http.js';
import type { KubeObject, Status, WatchEvent } from './types.js';

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** Called for every change, in order; awaited, so a slow sink slows the watch (backpressure). */
export type ChangeHandler<T> = (type: ChangeType, object: T, previous: T | undefined) => Promise<void>;

export interface ReflectorOptions<T extends KubeObject> {
  /** For logs and status, e.g. `pods(default)`. */
  name: string;
  /** Collection path, e.g. `/api/v1/namespaces/default/pods` or `/api/v1/pods`. */
  path: string;
  labelSelector?: string;
  fieldSelector?: string;
  transport: KubeTransport;
  logger: Logger;
  onChange: ChangeHandler<T>;
  /** Full relist this often (0: never); differences from the cache are delivered as changes. */
  resyncMs: number;
  watchTimeoutSeconds: number;
  backoff: { initialDelayMs: number; maxDelayMs: number; random?: () => number };
  /** HTTP codes that mean "this resource does not exist here" (e.g. 404 for an absent CRD): stop quietly. */
  absentCodes?: readonly number[];
  /** List page size. */
  pageSize?: number;
  /** Drops what the handlers never read before caching (managedFields, node image lists): memory. */
  trim?: (object: T) => T;
  onConnectionChange?: (connected: boolean, error?: string) => void;
  /** Counts re-established watches that followed an error or a 410. */
  onReconnect?: (reason: string) => void;
}

type SessionEnd = 'stopped' | 'closed' | 'resync' | 'gone' | 'dropped-after-healthy';

/** A watch that lived this long was healthy: a later drop restarts the backoff from its first step. */
const HEALTHY_WATCH_MS = 30_000;

/**
 * List + watch of one collection with a local cache (a client-go "reflector"). It owns the
 * reconnect policy because the client library's informer does not reliably restart itself:
 * - resumes watches from the last seen resourceVersion (bookmarks keep it fresh);
 * - `410 Gone` (HTTP or a watch ERROR Status) → relist and diff against the cache, so nothing is
 *   delivered twice and deletions seen only in the list are still delivered;
 * - any other error → reconnect through core `retry()` (full-jitter exponential backoff);
 * - periodic relist (`resyncMs`) to repair anything a watch might have missed.
 */
export class Reflector<T extends KubeObject> {
  private readonly cache = new Map<string, T>();
  private resourceVersion: string | undefined;
  private abort = new AbortController();
  private running: Promise<void> | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private resyncDue = false;
  private synced = false;
  private absent = false;
  private syncedWaiters: (() => void)[] = [];

  constructor(private readonly opts: ReflectorOptions<T>) {}

  get name(): string {
    return this.opts.name;
  }

  /** Cached object by uid. */
  get(uid: string): T | undefined {
    return this.cache.get(uid);
  }

  values(): IterableIterator<T> {
    return this.cache.values();
  }

  /** True once the first list has been delivered. */
  get hasSynced(): boolean {
    return this.synced;
  }

  /** True when the apiserver said the resource does not exist (e.g. Argo Rollouts not installed). */
  get isAbsent(): boolean {
    return this.absent;
  }

  /** Resolves after the first full list has been delivered (or the resource turned out absent). */
  waitForSync(): Promise<void> {
    if (this.synced || this.absent) return Promise.resolve();
    return new Promise((resolve) => this.syncedWaiters.push(resolve));
  }

  start(): void {
    if (this.running) return;
    this.abort = new AbortController();
    this.running = this.loop().catch((error) => this.opts.logger.error({ err: error, reflector: this.opts.name }, 'reflector loop crashed'));
  }

  async stop(): Promise<void> {
    this.abort.abort();
    if (this.resyncTimer) clearTimeout(this.resyncTimer);
    await this.running;
    this.running = undefined;
  }

  private markSynced(): void {
    this.synced = true;
    for (const resolve of this.syncedWaiters.splice(0)) resolve();
  }

  private async loop(): Promise<void> {
    const { backoff, logger, name } = this.opts;
    let afterError = false;
    while (!this.abort.signal.aborted) {
      const outcome = await retry<SessionEnd>(
        async () => {
          if (afterError) this.opts.onReconnect?.('error');
          afterError = true;
          return this.session();
        },
        {
          maxAttempts: Number.MAX_SAFE_INTEGER,
          deadlineMs: undefined,
          initialDelayMs: backoff.initialDelayMs,
          maxDelayMs: backoff.maxDelayMs,
          ...(backoff.random ? { random: backoff.random } : {}),
          signal: this.abort.signal,
          onRetry: ({ attempt, delayMs, error }) => logger.warn({ reflector: name, attempt, delayMs, error }, 'kubernetes watch failed; reconnecting after backoff'),
        },
      );
      const result = outcome.result;
      afterError = false;
      if (result.status === 'failure') {
        if (this.abort.signal.aborted) return;
        if (this.absent) {
          logger.info({ reflector: name, error: result.error }, 'resource not served by this cluster; not watching it');
          this.markSynced();
          return;
        }
        // Unreachable with an unbounded retry, but never spin: wait one max backoff and go again.
        logger.error({ reflector: name, error: result.error }, 'kubernetes watch failed permanently; retrying later');
        this.opts.onConnectionChange?.(false, result.error);
        await new Promise((r) => setTimeout(r, backoff.maxDelayMs));
        continue;
      }
      if (result.status !== 'success') continue;
      switch (result.value) {
        case 'stopped':
          return;
        case 'gone':
          this.opts.onReconnect?.('gone');
          break;
        case 'dropped-after-healthy':
          this.opts.onReconnect?.('dropped');
          break;
        case 'closed':
        case 'resync':
          break;
        default: {
          const unreachable: never = result.value;
          throw new Error(`unknown session end ${String(unreachable)}`);
        }
      }
    }
  }

  private query(extra: Query): Query {
    return { labelSelector: this.opts.labelSelector, fieldSelector: this.opts.fieldSelector, ...extra };
  }

  /** One list (when needed) + one watch. Returns how it ended; errors become retry verdicts. */
  private async session(): Promise<AttemptResult<SessionEnd>> {
    const { transport, path, logger, name } = this.opts;
    const signal = this.abort.signal;
    let listedNow = false;
    try {
      if (this.resourceVersion === undefined || this.resyncDue) {
        await this.relist();
        listedNow = true;
      }
      this.opts.onConnectionChange?.(true);
      const watchStarted = Date.now();
      const watchAbort = new AbortController();
      const onAbort = () => watchAbort.abort();
      signal.addEventListener('abort', onAbort, { once: true });
      // stop() may have run while we were listing; its abort event is gone by now.
      if (signal.aborted) watchAbort.abort();
      const resyncIn = this.opts.resyncMs > 0 ? this.opts.resyncMs : undefined;
      if (resyncIn !== undefined) {
        this.resyncTimer = setTimeout(() => {
          this.resyncDue = true;
          watchAbort.abort();
        }, resyncIn);
      }
      let gone = false;
      try {
        await transport.watch<T>(
          path,
          this.query({ resourceVersion: this.resourceVersion, allowWatchBookmarks: true, timeoutSeconds: this.opts.watchTimeoutSeconds }),
          async (event) => {
            if (gone) return;
            gone = await this.apply(event);
          },
          watchAbort.signal,
        );
      } catch (error) {
        if (signal.aborted) return { status: 'success', value: 'stopped' };
        if (this.resyncDue && watchAbort.signal.aborted) return { status: 'success', value: 'resync' };
        if (!isGone(error)) {
          const lived = Date.now() - watchStarted;
          this.opts.onConnectionChange?.(false, errorMessage(error));
          if (lived >= HEALTHY_WATCH_MS) {
            logger.info({ reflector: name, error: errorMessage(error), livedMs: lived }, 'kubernetes watch dropped; reconnecting');
            return { status: 'success', value: 'dropped-after-healthy' };
          }
          throw error;
        }
        gone = true;
      } finally {
        signal.removeEventListener('abort', onAbort);
        if (this.resyncTimer) clearTimeout(this.resyncTimer);
      }
      if (signal.aborted) return { status: 'success', value: 'stopped' };
      if (this.resyncDue) return { status: 'success', value: 'resync' };
      if (gone) {
        logger.info({ reflector: name, resourceVersion: this.resourceVersion }, 'resourceVersion expired (410 Gone); relisting');
        this.resourceVersion = undefined;
        // Gone right after a fresh list means the server cannot hold a watch at all: back off.
        if (listedNow) return { status: 'retryable', error: '410 Gone immediately after a fresh list' };
        return { status: 'success', value: 'gone' };
      }
      return { status: 'success', value: 'closed' };
    } catch (error) {
      if (signal.aborted) return { status: 'success', value: 'stopped' };
      const message = errorMessage(error);
      this.opts.onConnectionChange?.(false, message);
      const code = error instanceof KubeApiError ? error.statusCode : undefined;
      if (code !== undefined && this.opts.absentCodes?.includes(code)) {
        this.absent = true;
        return { status: 'failure', error: message, code };
      }
      if (isGone(error)) this.resourceVersion = undefined;
      // Forbidden/unauthorized are retried too (slowly, at the backoff cap): RBAC and tokens get
      // fixed without restarting the ingest service, and a source that gives up stays dead.
      const retryInMillis = error instanceof KubeApiError ? error.retryAfterMs : undefined;
      const permanent = !isRetriable(error);
      return {
        status: 'retryable',
        error: message,
        ...(code !== undefined ? { code } : {}),
        ...(retryInMillis !== undefined ? { retryInMillis } : permanent ? { retryInMillis: this.opts.backoff.maxDelayMs } : {}),
      };
    }
  }

  private trimmed(object: T): T {
    if (object.metadata?.managedFields !== undefined) delete object.metadata.managedFields;
    return this.opts.trim ? this.opts.trim(object) : object;
  }

  /** Applies one watch event; returns true when the server said our resourceVersion is gone. */
  private async apply(event: WatchEvent<T>): Promise<boolean> {
    if (event.type === 'ERROR') {
      const status = event.object as Status;
      if (status.code === 410) return true;
      throw new KubeApiError(`watch ERROR: ${status.code ?? '?'} ${status.reason ?? ''} ${status.message ?? ''}`.trim(), { statusCode: status.code ?? 500 });
    }
    const object = this.trimmed(event.object as T);
    const rv = object.metadata?.resourceVersion;
    if (event.type === 'BOOKMARK') {
      if (rv) this.resourceVersion = rv;
      return false;
    }
    const uid = object.metadata?.uid;
    if (!uid) return false;
    const previous = this.cache.get(uid);
    if (event.type === 'DELETED') this.cache.delete(uid);
    else this.cache.set(uid, object);
    // Advance before delivering: if delivery throws, the resumed watch must not replay this event.
    if (rv) this.resourceVersion = rv;
    const type: ChangeType = event.type === 'DELETED' ? 'DELETED' : previous ? 'MODIFIED' : 'ADDED';
    await this.opts.onChange(type, object, previous);
    return false;
  }

  /** Lists every page, then delivers the difference from the cache (adds, changes, deletions). */
  private async relist(): Promise<void> {
    const { transport, path, pageSize = 500 } = this.opts;
    const signal = this.abort.signal;
    const items: T[] = [];
    let continueToken: string | undefined;
    let listRv: string | undefined;
    do {
      const page = await transport.list<T>(path, this.query({ limit: pageSize, continue: continueToken }), signal);
      for (const item of page.items) items.push(this.trimmed(item));
      continueToken = page.metadata?.continue || undefined;
      listRv = page.metadata?.resourceVersion ?? listRv;
    } while (continueToken);
    this.resyncDue = false;
    const seen = new Set<string>();
    for (const object of items) {
      const uid = object.metadata?.uid;
      if (!uid) continue;
      seen.add(uid);
      const previous = this.cache.get(uid);
      this.cache.set(uid, object);
      // An unchanged resourceVersion means an unchanged object: nothing to deliver.
      if (previous && previous.metadata?.resourceVersion === object.metadata?.resourceVersion) continue;
      await this.opts.onChange(previous ? 'MODIFIED' : 'ADDED', object, previous);
    }
    for (const [uid, object] of [...this.cache]) {
      if (seen.has(uid)) continue;
      this.cache.delete(uid);
      await this.opts.onChange('DELETED', object, object);
    }
    this.resourceVersion = listRv;
    this.markSynced();
  }
}
