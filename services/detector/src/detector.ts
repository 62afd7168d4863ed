import type { Express } from 'express';
import { COMMAND_HEADER, INDICES, TOPICS, authTokensFrom, ValidationError, errorMessage, parseEvent, retryThrowing, splitRolloutKey, type Bus, type Logger, type OverrideCommand, type Registry, type Store, type RollwatchEvent, type Subscription, type Verdict } from '@rollwatch/core';
import { parsePolicy, snapshotEntryId, type AnalysisEngine, type MetricProvider, type RolloutSpec } from '@rollwatch/analysis';
import type { DetectorConfig } from './config.js';
import { createDefaultEngine } from './engine.js';
import { createDetectorApp } from './http/app.js';
import type { DetectorPort, RolloutLocation } from './http/port.js';
import { createBatchHandler } from './ingest/consumer.js';
import { createMetricProvider } from './metric-providers/factory.js';
import { MetricPoller } from './metric-providers/poller.js';
import { createDetectorMetrics, type DetectorMetrics } from './metrics.js';
import { Checkpointer } from './state/checkpoints.js';
import { lastStoredVerdict, registerSafely, type RebuildReport } from './state/rebuild.js';
import { createPartitionLifecycle, mergeReports } from './state/partition-lifecycle.js';
import { PartitionOwnership } from './state/ownership.js';
import { createRemoteReads } from './state/remote-reads.js';
import { RevisionIndex } from './state/revisions.js';
import { SpecRegistry } from './state/specs.js';
import { VerdictTracker } from './verdicts/tracker.js';

export interface DetectorDeps {
  config: DetectorConfig;
  bus: Bus;
  store: Store;
  logger: Logger;
  registry: Registry;
  /** Defaults to the analysis package's engine with DETECTOR_POLICY_FILE's policies. */
  engine?: AnalysisEngine;
  metricProvider?: MetricProvider;
  /** Wall clock for live evaluations (tests). */
  now?: () => number;
}

export interface Detector {
  app: Express;
  engine: AnalysisEngine;
  tracker: VerdictTracker;
  metrics: DetectorMetrics;
  /** Rebuilds state, subscribes to rollwatch.events, starts the evaluation timer. */
  start(): Promise<void>;
  /** Stops consuming and timers; leaves bus and store open (the caller owns them). */
  stop(): Promise<void>;
  /** One periodic round now: sync registrations, evict, re-evaluate everything (tests, embedded mode). */
  tick(): Promise<void>;
  /** Writes a checkpoint of every owned partition that changed (the timer does this every DETECTOR_CHECKPOINT_INTERVAL_MS). */
  checkpoint(): Promise<number>;
  lastRebuild(): RebuildReport | undefined;
}

/** One turn of the periodic round on the serial evaluation queue (consumer batches run between turns). */
const ROUND_CHUNK_MS = 50;

export function createDetector(deps: DetectorDeps): Detector {
  const { config, bus, store, logger, registry } = deps;
  const now = deps.now ?? Date.now;
  const engine = deps.engine ?? createDefaultEngine(config);
  const metrics = createDetectorMetrics(registry);
  const specs = new SpecRegistry(store);
  const revisions = new RevisionIndex(now);
  /** Registrations are made for a rollout id; each of its revisions is analysed under the same spec. */
  const registerRevisions = (keys: string[]): void => {
    for (const key of keys) {
      const entry = revisions.get(key);
      const registered = entry?.revision ? specs.get(entry.rollout) : undefined;
      if (registered) registerSafely(engine, { ...registered.spec, id: key }, logger);
    }
  };
  const observe = (events: RollwatchEvent[]): void => registerRevisions(revisions.observe(events));
  const tracker = new VerdictTracker({
    engine,
    bus,
    store,
    logger,
    metrics,
    now,
    minScoreDelta: config.DETECTOR_SCORE_CHANGE_MIN,
    consumer: config.DETECTOR_CONSUMER_GROUP,
    labelsFor: (rollout) => {
      const registered = specs.labelsFor(revisions.get(rollout)?.rollout ?? rollout);
      const observed = revisions.observedLabels(rollout);
      return registered || Object.keys(observed).length > 0 ? { ...observed, ...registered } : undefined;
    },
    revisionOf: (rollout) => revisions.get(rollout)?.revision,
    loadLast: (rollout) => lastStoredVerdict(store, rollout),
    // History replayed long after the fact is judged on its own timeline (as `rollwatch analyze`
    // does); live rollouts are judged at the wall clock, so no-data and unavailability still fire.
    evaluationTime: (rollout, wall) => {
      const last = engine.lastEventMs(rollout);
      if (last === null) return wall;
      return Math.min(wall, last + engine.evaluationHorizonMs(rollout));
    },
  });
  /** Wall-clock time events of each rollout last arrived: retention is about activity, not event time. */
  const arrivals = new Map<string, number>();
  /** Rollouts held by this replica's engine (mirrors engine.rollouts() without an O(n) scan per request). */
  const local = new Set<string>();
  /** The rollwatch.events partitions the group assigned to this replica, and where each rollout lives. */
  const ownership = new PartitionOwnership();
  /** The engine lock: consumer ingestion and checkpoint snapshots (taken in chunks) take turns. */
  let engineTurn: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(work: () => Promise<T>): Promise<T> => {
    const run = engineTurn.then(work);
    engineTurn = run.catch(() => undefined);
    return run;
  };
  const checkpointer = new Checkpointer({ store, engine, ownership, group: config.DETECTOR_CONSUMER_GROUP, logger, now, exclusive, revisionsOf: (keys) => revisions.entries(keys), settledOf: (keys) => keys.filter((k) => tracker.settled(k)) });
  /** Answers for rollouts other replicas own: their published verdicts, reads forwarded to them. */
  const remote = createRemoteReads({ config, bus, store, logger, registry });
  // Own verdicts enter the view as they are published (the stream must not wait for the topic's echo).
  tracker.onChange((verdict) => remote.view.record(verdict));
  const restores: RebuildReport[] = [];
  /** Settles once the group's first assignment to this replica is restored: only then is it ready. */
  const joined: { promise: Promise<void>; resolve: () => void } = (() => {
    let resolve: () => void = () => undefined;
    const promise = new Promise<void>((r) => (resolve = r));
    return { promise, resolve };
  })();
  const provider = deps.metricProvider ?? createMetricProvider(config);
  const poller = new MetricPoller({
    provider,
    bus,
    logger,
    metrics,
    stepSeconds: config.PROMETHEUS_STEP_SECONDS,
    lookbackMs: config.PROMETHEUS_LOOKBACK_MS,
    now,
    rollouts: () =>
      engine
        .rollouts()
        .filter((r) => now() - Date.parse(r.lastEventAt ?? new Date(now()).toISOString()) < config.DETECTOR_RETENTION_MS)
        .map((r) => {
          // The engine knows rollout keys; the provider is asked about the id, its samples go to the revision.
          const entry = revisions.get(r.rollout);
          return { rollout: entry?.rollout ?? r.rollout, ...(entry?.revision ? { revision: entry.revision } : {}), ...(r.service !== undefined ? { service: r.service } : {}) };
        }),
  });

  let started = false;
  let subscription: Subscription | undefined;
  let evaluationTimer: NodeJS.Timeout | undefined;
  let pollTimer: NodeJS.Timeout | undefined;
  let checkpointTimer: NodeJS.Timeout | undefined;
  let ticking: Promise<void> | undefined;
  let rebuild: RebuildReport | undefined;
  const abort = new AbortController();
  const startedAt = now();


  const port: DetectorPort = {
    engine,
    store,
    specs,
    tracker,
    revisions,
    flaggerWindowMs: config.DETECTOR_FLAGGER_REVISION_WINDOW_MS,
    cluster: config.ROLLWATCH_CLUSTER,
    fleet: remote.view.enabled ? remote.view : undefined,
    listedSinceMs: () => now() - config.DETECTOR_RETENTION_MS,
    async locate(rollout): Promise<RolloutLocation | undefined> {
      if (ownership.isRestoring(rollout)) return 'restoring';
      if (local.has(rollout) || tracker.latest(rollout)) return 'local';
      // One look-up, not engine.rollouts() (a sorted summary of every rollout) per request.
      if (engine.lastEventMs(rollout) !== null) {
        local.add(rollout);
        return 'local';
      }
      return (await remote.verdict(rollout)) ? 'remote' : undefined;
    },
    async verdict(rollout): Promise<Verdict | undefined> {
      // Served, never published: no store lookup, so the answer is immediate while the restore runs.
      if (ownership.isRestoring(rollout)) return restoringVerdict(rollout, tracker.lastPublished(rollout)?.sequence ?? 0, now());
      const latest = tracker.latest(rollout);
      if (latest) return latest;
      if ((await port.locate(rollout)) === 'local') {
        await tracker.evaluate([rollout]).catch((error: unknown) => logger.warn({ rollout, err: errorMessage(error) }, 'on-demand evaluation failed to publish'));
        return tracker.latest(rollout);
      }
      return remote.verdict(rollout);
    },
    forward: (key, req, res) => remote.forwarder.forward(revisions.get(key)?.rollout ?? remote.view.idOf(key) ?? splitRolloutKey(key).rollout, req, res),
    remoteKey: (id) => remote.view.newestKey(id),
    async publishEvent(input) {
      const parsed = parseEvent(input);
      if (!parsed.ok) throw new ValidationError(parsed.errors[0]!.field, parsed.errors[0]!.message);
      await bus.publish(TOPICS.events, [{ key: parsed.event.rollout, value: JSON.stringify(parsed.event) }]);
      return parsed.event.id;
    },
    async register(spec: RolloutSpec) {
      if (spec.policy !== undefined && typeof spec.policy === 'object') {
        // Validate inline policies here so a bad one is a 400 naming the field whatever the engine does.
        const parsed = parsePolicy(spec.policy);
        if (!parsed.ok) {
          const first = parsed.errors[0]!;
          throw new ValidationError(first.field === '(policy)' ? 'policy' : `policy.${first.field}`, first.message);
        }
      }
      try {
        engine.register(spec);
      } catch (error) {
        if (error instanceof ValidationError) throw new ValidationError(error.field.startsWith('policy') ? error.field : `policy.${error.field}`, error.message);
        throw new ValidationError('policy', errorMessage(error));
      }
      const { created } = await specs.save(spec, new Date(now()).toISOString());
      local.add(spec.id);
      tracker.claim(spec.id);
      await tracker.evaluate([spec.id]);
      return { created, verdict: tracker.latest(spec.id) };
    },
    async checkpointEngine(rollout) {
      // Stored events carry the rollout id (the revision apart); every revision shares its partition.
      const id = revisions.get(rollout)?.rollout ?? (specs.get(rollout) ? rollout : splitRolloutKey(rollout).rollout);
      const hit = (await store.search(INDICES.events, { filters: { rollout: id }, size: 1 })).hits[0];
      if (typeof hit?.partition !== 'number') return undefined;
      const checkpoint = await checkpointer.load(hit.partition);
      if (!checkpoint) return undefined;
      const snapshot = JSON.parse(checkpoint.snapshot) as { rollouts?: unknown[] };
      snapshot.rollouts = (snapshot.rollouts ?? []).filter((r) => snapshotEntryId(r) === rollout);
      if (snapshot.rollouts.length === 0) return undefined;
      const scratch = createDefaultEngine(config);
      scratch.restore(snapshot);
      return { engine: scratch, at: checkpoint.at };
    },
    async override(rollout, request) {
      if (!(await port.locate(rollout)) && !specs.get(rollout)) return undefined;
      // Routed like the rollout's events (key = rollout, so its partition), so the replica that owns
      // the rollout numbers it in order with them: one writer of verdicts, whichever replica was asked.
      // The command names the revision's key; it is keyed by the rollout id, like the events.
      const partitionKey = revisions.get(rollout)?.rollout ?? (specs.get(rollout) ? rollout : splitRolloutKey(rollout).rollout);
      const command: OverrideCommand = { ...request, rollout, at: new Date(now()).toISOString() };
      const applied = waitForOverride(command, config.DETECTOR_OVERRIDE_TIMEOUT_MS);
      try {
        await retryThrowing(() => bus.publish(TOPICS.events, [{ key: partitionKey, value: JSON.stringify(command), headers: { [COMMAND_HEADER]: 'override' } }]), { maxAttempts: 4, initialDelayMs: 200, maxDelayMs: 2000, deadlineMs: 10_000 });
      } catch (error) {
        applied.cancel();
        throw error;
      }
      return { verdict: await applied.verdict };
    },
  };

  /** Resolves with the verdict that applies `command`: seen here (we own it) or stored by the owner. */
  function waitForOverride(command: OverrideCommand, timeoutMs: number): { verdict: Promise<Verdict | undefined>; cancel: () => void } {
    const matches = (v: Verdict | undefined): v is Verdict => v?.overridden?.at === command.at && v.overridden.by === command.by && v.overridden.reason === command.reason;
    let finish: (v: Verdict | undefined) => void = () => undefined;
    const verdict = new Promise<Verdict | undefined>((resolve) => (finish = resolve));
    const unsubscribe = tracker.onChange((v) => {
      if (v.rollout === command.rollout && matches(v)) finish(v);
    });
    const deadline = setTimeout(() => finish(undefined), timeoutMs);
    const poll = setInterval(() => {
      void lastStoredVerdict(store, command.rollout)
        .then((v) => (matches(v) ? finish(v) : undefined))
        .catch(() => undefined);
    }, 250);
    const cancel = () => finish(undefined);
    void verdict.finally(() => {
      unsubscribe();
      clearTimeout(deadline);
      clearInterval(poll);
    });
    return { verdict, cancel };
  }

  const { app, closeStreams } = createDetectorApp({
    port,
    tokens: authTokensFrom(config),
    insecure: config.ROLLWATCH_INSECURE,
    registry,
    logger,
    readiness: {
      detector: async () => ({ ok: started, detail: started ? `${local.size} rollouts tracked` : 'rebuilding state' }),
      bus: () => bus.health(),
      store: () => store.health(),
    },
  });

  const partitionLifecycle = createPartitionLifecycle({
    config, engine, store, logger, metrics, specs, revisions, ownership, checkpointer, tracker, poller, local, arrivals, now, observe,
    restored: (report) => {
      if (report) {
        restores.push(report);
        if (restores.length > 100) restores.shift();
        rebuild = mergeReports(restores);
      }
      joined.resolve();
    },
  });

  const handler = createBatchHandler({
    engine,
    bus,
    store,
    tracker,
    logger,
    metrics,
    consumerGroup: config.DETECTOR_CONSUMER_GROUP,
    beforeAnalysis: observe,
    exclusive,
    onIngested: (partition, nextOffset) => checkpointer.noteIngested(partition, nextOffset),
    onTouched: (rollouts, partition) => {
      const at = now();
      for (const rollout of rollouts) {
        local.add(rollout);
        arrivals.set(rollout, at);
        ownership.place(rollout, partition);
      }
      metrics.trackedRollouts.set(local.size);
    },
  });

  /**
   * The periodic round's evaluations, bounded: only rollouts that are due (not evaluated by a
   * consumer batch moments ago, not settled, not being restored), most overdue first, in chunks of
   * ROUND_CHUNK_MS so consumer batches run in between, and for at most half the interval: with
   * tens of thousands of rollouts a round never starves consumption, and the rollouts it did not
   * reach come first in the next one.
   */
  async function evaluateDue(): Promise<void> {
    const interval = config.DETECTOR_EVALUATION_INTERVAL_MS;
    const ready: string[] = [];
    for (const rollout of local) if (!ownership.isRestoring(rollout)) ready.push(rollout);
    const due = tracker.due(ready, interval / 2);
    const deadline = performance.now() + interval / 2;
    let next = 0;
    while (next < due.length && performance.now() < deadline && !abort.signal.aborted) {
      next = await tracker.evaluateFor(due, next, ROUND_CHUNK_MS);
    }
    metrics.roundBacklog.set(due.length - next);
  }

  async function tick(): Promise<void> {
    ticking ??= (async () => {
      try {
        for (const spec of await specs.sync()) {
          if (registerSafely(engine, spec, logger)) local.add(spec.id);
          tracker.invalidate(spec.id);
        }
        const cutoff = now() - config.DETECTOR_RETENTION_MS;
        const evicted = engine.forget
          ? [...local].filter((r) => (arrivals.get(r) ?? startedAt) < cutoff && engine.forget!(r))
          : engine.evict(cutoff);
        for (const rollout of evicted) arrivals.delete(rollout);
        for (const rollout of evicted) {
          tracker.forget(rollout);
          poller.forget(rollout);
          revisions.forget(rollout);
          ownership.forget(rollout);
        }
        for (const rollout of evicted) local.delete(rollout);
        metrics.trackedRollouts.set(local.size);
        await evaluateDue();
      } catch (error) {
        logger.warn({ err: errorMessage(error) }, 'periodic evaluation failed; retrying next interval');
      }
    })().finally(() => {
      ticking = undefined;
    });
    return ticking;
  }

  return {
    app,
    engine,
    tracker,
    metrics,
    tick,
    checkpoint: () => checkpointer.checkpoint(),
    lastRebuild: () => rebuild,
    async start() {
      await retryThrowing(() => store.ensureIndices(), { maxAttempts: 10, initialDelayMs: 500, maxDelayMs: 5000, deadlineMs: 120_000, signal: abort.signal });
      for (const spec of await specs.sync()) if (registerSafely(engine, spec, logger)) local.add(spec.id);
      await remote.start();
      // State follows the group's assignment: each assigned partition's rollouts are restored from
      // the store before any of its messages is consumed; revoked ones are dropped.
      subscription = await bus.subscribe({
        topics: [TOPICS.events],
        groupId: config.DETECTOR_CONSUMER_GROUP,
        fromBeginning: config.DETECTOR_FROM_BEGINNING,
        handler,
        partitions: { assigned: (_topic, partitions) => partitionLifecycle.restore(partitions), revoked: (_topic, partitions) => partitionLifecycle.drop(partitions) },
        ...(remote.memberData !== undefined ? { memberData: remote.memberData } : {}),
      });
      await Promise.race([joined.promise, new Promise((resolve) => abort.signal.addEventListener('abort', resolve, { once: true }))]);
      evaluationTimer = setInterval(() => void tick(), config.DETECTOR_EVALUATION_INTERVAL_MS);
      evaluationTimer.unref();
      if (config.DETECTOR_CHECKPOINT_INTERVAL_MS > 0) {
        checkpointTimer = setInterval(() => {
          checkpointer.checkpoint().catch((error: unknown) => logger.warn({ err: errorMessage(error) }, 'checkpoint failed; retrying next interval'));
        }, config.DETECTOR_CHECKPOINT_INTERVAL_MS);
        checkpointTimer.unref();
      }
      if (poller.enabled) {
        pollTimer = setInterval(() => {
          poller.poll(abort.signal).catch((error: unknown) => logger.warn({ err: errorMessage(error) }, 'metric polling failed'));
        }, config.PROMETHEUS_INTERVAL_MS);
        pollTimer.unref();
      }
      started = true;
      logger.info({ rollouts: local.size, partitions: ownership.ownedPartitions(), metricProvider: provider.kind }, 'detector started');
    },
    async stop() {
      started = false;
      abort.abort();
      if (evaluationTimer) clearInterval(evaluationTimer);
      if (pollTimer) clearInterval(pollTimer);
      if (checkpointTimer) clearInterval(checkpointTimer);
      closeStreams();
      // A graceful stop leaves a fresh checkpoint for whoever is assigned these partitions next.
      if (config.DETECTOR_CHECKPOINT_INTERVAL_MS > 0) await checkpointer.checkpoint().catch((error: unknown) => logger.warn({ err: errorMessage(error) }, 'final checkpoint failed'));
      await subscription?.stop();
      subscription = undefined;
      await remote.stop();
      await ticking;
    },
  };
}

/** What the API answers for a rollout whose state is being restored after a partition assignment. */
export function restoringVerdict(rollout: string, sequence: number, nowMs: number): Verdict {
  return {
    rollout,
    decision: 'pending',
    score: null,
    reasons: [{ signal: 'restoring', severity: 'info', message: 'this replica was just assigned the rollout\'s partition and is restoring its state; no verdict on partial data' }],
    evaluatedAt: new Date(nowMs).toISOString(),
    noGoAt: null,
    sequence,
  };
}
