import type { Express } from 'express';
import {
  authTokensFrom,
  createServiceApp,
  errorHandler,
  errorMessage,
  TOPICS,
  UnavailableError,
  type Bus,
  type BusMessage,
  type HealthStatus,
  type Logger,
  type Registry,
} from '@rollwatch/core';
import type { IngestConfig } from './config.js';
import { AbuseCaps } from './limits/abuse-caps.js';
import { Delivery, type DeliveryState } from './delivery/delivery.js';
import { Spool } from './delivery/spool.js';
import { ingestRoutes } from './http/routes.js';
import { loadMappingRules } from './mapping/load.js';
import { createIngestMetrics } from './metrics.js';
import { Pipeline } from './pipeline.js';
import { createSources } from './sources/factory.js';
import type { EventSink, Source, SourceStatus } from './sources/interface.js';

export interface IngestDeps {
  config: IngestConfig;
  bus: Bus;
  logger: Logger;
  registry: Registry;
  /** Pull sources to run; default: the ones INGEST_SOURCES names (created on start()). */
  sources?: Source[];
}

export interface Ingest {
  /** Push API, receivers, /healthz, /readyz, /metrics. Listening is the caller's job. */
  app: Express;
  /** Opens the spool (replaying what a previous run left) and starts the sources. */
  start(): Promise<void>;
  /** Stops the sources, flushes, drains the spool for up to INGEST_SHUTDOWN_TIMEOUT_MS, closes it. */
  stop(): Promise<void>;
  /** For in-process producers (embedded mode, tests): same validation and mapping as sources. */
  sink: EventSink;
  sources(): SourceStatus[];
  delivery(): DeliveryState | undefined;
}

/** Wires config, bus, mapping, delivery and HTTP into one ingest instance (no listening, no signals). */
export function createIngest(deps: IngestDeps): Ingest {
  const { config, bus, logger, registry } = deps;
  const rules = loadMappingRules(config);
  let spool: Spool | undefined;
  let delivery: Delivery | undefined;
  let sources: Source[] = deps.sources ?? [];
  let state: 'new' | 'starting' | 'running' | 'stopping' | 'stopped' = 'new';

  const statuses = (): SourceStatus[] =>
    sources.map((source) => {
      try {
        return source.status();
      } catch (error) {
        return { name: source.name, connected: false, reconnects: 0, lastError: errorMessage(error) };
      }
    });

  const metrics = createIngestMetrics(registry, {
    spool: () => ({ events: spool?.events ?? 0, pendingBytes: spool?.pendingBytes ?? 0, diskBytes: spool?.diskBytes ?? 0, maxBytes: config.INGEST_SPOOL_MAX_BYTES }),
    sources: statuses,
  });

  // Accepting before start() (or after stop()) would have nowhere durable to go: 503, retry.
  const submitter = {
    submit(messages: BusMessage[]): Promise<void> {
      if (!delivery) return Promise.reject(new UnavailableError('ingest is not running', { retryAfterMs: 5000 }));
      return delivery.submit(messages);
    },
  };
  const caps = new AbuseCaps({
    maxInstancesPerRollout: config.INGEST_MAX_INSTANCES_PER_ROLLOUT,
    maxHostsPerRollout: config.INGEST_MAX_HOSTS_PER_ROLLOUT,
    maxAttributeValuesPerRollout: config.INGEST_MAX_ATTRIBUTE_VALUES_PER_ROLLOUT,
    maxNewRolloutsPerMinute: config.INGEST_MAX_NEW_ROLLOUTS_PER_MINUTE,
  });
  const pipeline = new Pipeline({ rules, unmapped: config.INGEST_UNMAPPED, delivery: submitter, metrics, logger, caps });

  const busCheck = async (): Promise<HealthStatus> => {
    const health = await bus.health();
    if (health.ok) return health;
    // Kafka down is survivable while the spool has room: stay ready, say so.
    const room = spool !== undefined && !spool.isFull();
    return { ok: room, detail: `${health.detail ?? 'bus unhealthy'}; ${room ? 'buffering to the on-disk spool' : 'spool full or not open'}` };
  };
  const spoolCheck = async (): Promise<HealthStatus> => {
    if (state !== 'running' || !spool) return { ok: false, detail: `ingest is ${state}` };
    const full = spool.isFull();
    return {
      ok: !full,
      detail: `${spool.events} event(s) spooled, ${spool.diskBytes} of ${spool.maxBytes} bytes${full ? ' (FULL: push answers 503)' : ''}`,
    };
  };

  const app = createServiceApp({ service: 'ingest', registry, logger, readiness: { bus: busCheck, spool: spoolCheck }, tokens: authTokensFrom(config), insecure: config.ROLLWATCH_INSECURE });
  app.use(
    ingestRoutes({
      pipeline,
      tokens: authTokensFrom(config),
      bodyLimit: config.INGEST_BODY_LIMIT,
      rateLimit: config.INGEST_RATE_LIMIT,
      rateWindowMs: config.INGEST_RATE_WINDOW_MS,
      hmacSecret: config.INGEST_RECEIVER_HMAC_SECRET,
      receiverToken: config.INGEST_RECEIVER_TOKEN,
      sources: statuses,
    }),
  );
  app.use((_req, res) => {
    res.status(404).json({ error: 'not found', field: 'path' });
  });
  app.use(errorHandler(logger));

  return {
    app,
    sink: pipeline.sink('embedded'),
    sources: statuses,
    delivery: () => delivery?.state(),
    async start() {
      if (state !== 'new') throw new Error(`ingest cannot start: it is ${state}`);
      state = 'starting';
      spool = await Spool.open({
        dir: config.INGEST_SPOOL_DIR,
        maxBytes: config.INGEST_SPOOL_MAX_BYTES,
        segmentBytes: config.INGEST_SPOOL_SEGMENT_BYTES,
        logger: logger.child({ component: 'spool' }),
      });
      delivery = new Delivery({
        bus,
        topic: TOPICS.events,
        spool,
        logger: logger.child({ component: 'delivery' }),
        metrics,
        maxBatchEvents: config.INGEST_BATCH_MAX_EVENTS,
        maxWaitMs: config.INGEST_BATCH_MAX_WAIT_MS,
        publishTimeoutMs: config.INGEST_PUBLISH_TIMEOUT_MS,
        drainRetry: { initialDelayMs: Math.min(500, config.INGEST_REPLAY_BACKOFF_MAX_MS), maxDelayMs: config.INGEST_REPLAY_BACKOFF_MAX_MS },
      });
      delivery.start();
      if (!deps.sources) sources = await createSources(config, logger);
      for (const source of sources) {
        try {
          await source.start(pipeline.sink(source.name));
          logger.info({ source: source.name }, 'source started');
        } catch (error) {
          // One broken source (no Docker socket, no kubeconfig) must not take HTTP push down.
          logger.error({ source: source.name, err: errorMessage(error) }, 'source failed to start');
        }
      }
      state = 'running';
      logger.info({ sources: sources.map((s) => s.name), spool: config.INGEST_SPOOL_DIR, spooled: spool.events }, 'ingest started');
    },
    async stop() {
      if (state === 'stopped' || state === 'stopping') return;
      state = 'stopping';
      await Promise.all(
        sources.map(async (source) => {
          try {
            await source.stop();
          } catch (error) {
            logger.warn({ source: source.name, err: errorMessage(error) }, 'source failed to stop cleanly');
          }
        }),
      );
      const current = delivery;
      delivery = undefined;
      await current?.stop(config.INGEST_SHUTDOWN_TIMEOUT_MS);
      const left = spool?.events ?? 0;
      await spool?.close();
      state = 'stopped';
      logger.info({ spooled: left }, left > 0 ? 'ingest stopped; spooled events will be replayed on the next start' : 'ingest stopped');
    },
  };
}
