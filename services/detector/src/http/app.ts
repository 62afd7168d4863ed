import type { Express } from 'express';
import { createServiceApp, errorHandler, type AuthTokens, type Logger, type ReadinessCheck, type Registry } from '@rollwatch/core';
import { dashboardRoutes } from './dashboard.js';
import { eventRoutes } from './events.js';
import { flaggerRoutes } from './flagger.js';
import { OPENAPI_DOCUMENT } from './openapi.js';
import { overrideRoutes } from './override.js';
import type { DetectorPort } from './port.js';
import { listRollouts, rolloutRoutes } from './rollouts.js';
import { streamRoutes } from './stream.js';

export interface DetectorAppOptions {
  port: DetectorPort;
  tokens: AuthTokens;
  insecure?: boolean;
  registry: Registry;
  logger: Logger;
  readiness: Record<string, ReadinessCheck>;
}

export function createDetectorApp(options: DetectorAppOptions): { app: Express; closeStreams: () => void } {
  const { port, tokens, logger } = options;
  const app = createServiceApp({ service: 'detector', registry: options.registry, logger, readiness: options.readiness, tokens, insecure: options.insecure });
  const stream = streamRoutes(
    {
      // The same rollouts as GET /rollouts (every replica's); changes from the view, which also
      // records this replica's own verdicts as they are published.
      current: () => listRollouts(port).flatMap((row) => (row.verdict ? [row.verdict] : [])),
      onChange: (listener) => (port.fleet ?? port.tracker).onChange(listener),
    },
    tokens,
  );
  app.get('/api/v1/openapi.json', (_req, res) => {
    res.json(OPENAPI_DOCUMENT);
  });
  app.use('/api/v1', rolloutRoutes(port, tokens), overrideRoutes(port, tokens), eventRoutes(port.store, tokens), flaggerRoutes(port, tokens), stream.router);
  app.use(dashboardRoutes({ store: port.store, tokens, resolveKey: (id, revision) => port.revisions.resolve(id, revision) }));
  app.use((req, res) => {
    res.status(404).json({ error: `no route for ${req.method} ${req.path}; see /api/v1/openapi.json`, field: 'path' });
  });
  app.use(errorHandler(logger));
  return { app, closeStreams: stream.closeAll };
}
