import type { Server } from 'node:http';
import type { Express } from 'express';
import {
  authTokensFrom,
  closeServer,
  guardExposure,
  createServiceApp,
  errorHandler,
  INDICES,
  listen,
  retryThrowing,
  TOPICS,
  type Bus,
  type Logger,
  type Registry,
  type Store,
  type Subscription,
  type Verdict,
} from '@rollwatch/core';
import { createActuator } from './actuators/factory.js';
import { parseTargetAllowlist } from './policy/target-allowlist.js';
import { alertsRouter } from './api/router.js';
import type { AlertsConfig } from './config.js';
import { actionId, AuditLog } from './exactly-once/audit.js';
import { ActionExecutor, type ExecutorHooks } from './exactly-once/executor.js';
import { KeyedLock } from './exactly-once/keyed-lock.js';
import { replayDeadLetters } from './exactly-once/replay.js';
import { SilenceStore } from './exactly-once/silence-store.js';
import { RolloutStateStore } from './exactly-once/state-store.js';
import { createAlertsMetrics } from './metrics.js';
import { AlertmanagerResender } from './notifiers/alertmanager-resend.js';
import { createNotifiers } from './notifiers/factory.js';
import type { Notice } from './notifiers/interface.js';
import type { PlanContext } from './policy/planner.js';
import { DEAD_STATUSES } from './policy/types.js';
import { VerdictProcessor } from './processor.js';
import { loadRoutes } from './routing/routes.js';

export interface AlertsDeps {
  config: AlertsConfig;
  bus: Bus;
  store: Store;
  logger: Logger;
  registry: Registry;
  /** Fault injection for tests (see ExecutorHooks). */
  hooks?: ExecutorHooks;
}

export interface AlertsService {
  app: Express;
  /** Ensures indices, loads silences, subscribes to verdicts, listens on ALERTS_PORT; resolves with the bound port. */
  start(): Promise<{ port: number }>;
  stop(): Promise<void>;
  /** Handles one verdict directly (embedded launcher, tests); normally verdicts come from the bus. */
  handleVerdict(verdict: Verdict): Promise<unknown>;
}

const SILENCE_REFRESH_MS = 10_000;
const DLQ_GAUGE_REFRESH_MS = 30_000;

/** `{rollout}` in a template becomes the URL-encoded rollout id. */
export function linkTemplate(template: string, rollout: string): string {
  return template.replaceAll('{rollout}', encodeURIComponent(rollout));
}

/** Builds the alerts service on shared backends (embedded mode shares one bus/store among services). */
export function createAlerts(deps: AlertsDeps): AlertsService {
  const { config, bus, store, logger, registry } = deps;
  const metrics = createAlertsMetrics(registry);
  const notifiers = createNotifiers(config);
  const actuator = createActuator(config);
  const targets = parseTargetAllowlist(config.ALERTS_ACTUATION_TARGETS);
  const routes = loadRoutes({ file: config.ALERTS_ROUTES_FILE, json: config.ALERTS_ROUTES }, { configuredNotifiers: [...notifiers.keys()], actuator: config.ALERTS_ACTUATOR, onNoGo: config.ALERTS_ON_NO_GO });
  const audit = new AuditLog(store, bus);
  // Declared before the state store, which tells it about every saved state.
  let resender: AlertmanagerResender | undefined;
  const states = new RolloutStateStore(store, 10_000, (state) => resender?.track(state));
  const silences = new SilenceStore(store);
  const lock = new KeyedLock();
  const shutdown = new AbortController();

  let dlqRefresh: Promise<void> | undefined;
  const refreshDlqGauge = (): void => {
    dlqRefresh ??= store
      .count(INDICES.actions, { filters: { status: [...DEAD_STATUSES] as string[] } })
      .then((n) => metrics.dlqDepth.set(n))
      .catch((error: unknown) => logger.warn({ err: (error as Error).message }, 'dlq depth refresh failed'))
      .finally(() => (dlqRefresh = undefined));
  };

  const links = (rollout: string): Notice['links'] => ({ dashboard: linkTemplate(config.ALERTS_DASHBOARD_URL, rollout), verdictApi: linkTemplate(config.ALERTS_VERDICT_API_URL, rollout) });
  const executor = new ActionExecutor({
    audit,
    notifiers,
    actuator,
    targets: () => targets,
    links,
    retry: {
      maxAttempts: config.ALERTS_RETRY_MAX_ATTEMPTS,
      initialDelayMs: config.ALERTS_RETRY_INITIAL_DELAY_MS,
      maxDelayMs: config.ALERTS_RETRY_MAX_DELAY_MS,
      deadlineMs: config.ALERTS_RETRY_DEADLINE_MS || undefined,
    },
    metrics,
    logger,
    hooks: deps.hooks,
    onDeadChanged: refreshDlqGauge,
  });
  const context = (): PlanContext => ({
    routes,
    silences: silences.active(),
    now: new Date(),
    dryRun: config.ALERTS_DRY_RUN,
    cooldownSeconds: config.ALERTS_COOLDOWN_SECONDS,
    defaultNamespace: config.ALERTS_K8S_NAMESPACE,
    targets,
  });
  const alertmanager = notifiers.get('alertmanager');
  if (alertmanager) resender = new AlertmanagerResender({ notifier: alertmanager, states, lock, links, logger });
  const processor = new VerdictProcessor({ bus, executor, audit, states, lock, context, metrics, logger, signal: shutdown.signal });

  const app = createServiceApp({
    service: 'alerts',
    tokens: authTokensFrom(config),
    insecure: config.ROLLWATCH_INSECURE,
    registry,
    logger,
    readiness: { bus: () => bus.health(), store: () => store.health() },
  });
  app.use(
    '/api/v1',
    alertsRouter({
      tokens: authTokensFrom(config),
      store,
      silences,
      replay: (filter) => replayDeadLetters({ store, executor, lock, states, logger }, filter),
    }),
  );
  // Unknown routes answer JSON like every other error (express's default is an HTML page).
  app.use((req, res) => {
    res.status(404).json({ error: `no route for ${req.method} ${req.path}`, field: 'path' });
  });
  app.use(errorHandler(logger));

  let server: Server | undefined;
  let subscription: Subscription | undefined;
  const timers: NodeJS.Timeout[] = [];
  let stopInsecureWarning = (): void => undefined;

  return {
    app,
    handleVerdict: (verdict) => processor.handleVerdict(verdict),
    async start() {
      // Refuse before touching anything: an open alerts API can silence alerts and roll back workloads.
      stopInsecureWarning = guardExposure({ service: 'alerts', host: config.ALERTS_HOST, tokens: authTokensFrom(config), insecure: config.ROLLWATCH_INSECURE, logger });
      await retryThrowing(() => store.ensureIndices(), { maxAttempts: 10, initialDelayMs: 500, maxDelayMs: 5000, deadlineMs: 120_000 });
      await silences.refresh();
      refreshDlqGauge();
      timers.push(setInterval(() => void silences.refresh().catch((e: unknown) => logger.warn({ err: (e as Error).message }, 'silence refresh failed')), SILENCE_REFRESH_MS).unref());
      timers.push(setInterval(refreshDlqGauge, DLQ_GAUGE_REFRESH_MS).unref());
      if (resender) {
        const active = resender;
        for (const state of await states.unresolved()) active.track(state);
        timers.push(setInterval(() => void active.resendAll(), config.ALERTS_ALERTMANAGER_RESEND).unref());
      }
      subscription = await bus.subscribe({
        topics: [TOPICS.verdicts],
        groupId: config.ALERTS_CONSUMER_GROUP,
        fromBeginning: config.ALERTS_FROM_BEGINNING,
        handler: (batch) => processor.handleBatch(batch),
      });
      const bound = await listen(app, config.ALERTS_PORT, config.ALERTS_HOST);
      server = bound.server;
      logger.info({ port: bound.port, routes: routes.map((r) => r.name), notifiers: [...notifiers.keys()], actuator: actuator?.name ?? 'none', actuationTargets: targets.entries, dryRun: config.ALERTS_DRY_RUN }, 'alerts started');
      if (actuator && targets.entries.length === 0) logger.warn({ actuator: actuator.name, setting: 'ALERTS_ACTUATION_TARGETS' }, 'an actuator is configured but no actuation target is allowed: rollwatch only notifies until ALERTS_ACTUATION_TARGETS lists the workloads it may pause or roll back');
      return { port: bound.port };
    },
    async stop() {
      for (const t of timers) clearInterval(t);
      stopInsecureWarning();
      shutdown.abort();
      if (server) await closeServer(server);
      await subscription?.stop();
      server = undefined;
      subscription = undefined;
    },
  };
}

export { actionId };
