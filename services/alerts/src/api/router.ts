import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { INDICES, jsonBody, requireAuth, type AuthTokens, type Store } from '@rollwatch/core';
import { buildSilence, silenceInputSchema } from '../policy/silences.js';
import type { SilenceStore } from '../exactly-once/silence-store.js';
import type { ReplayFilter, ReplayResult } from '../exactly-once/replay.js';

export interface ApiDeps {
  tokens: AuthTokens;
  store: Store;
  silences: SilenceStore;
  replay: (filter: ReplayFilter) => Promise<ReplayResult[]>;
}

const listQuerySchema = z.strictObject({
  rollout: z.string().min(1).optional(),
  kind: z.string().min(1).optional(),
  status: z.string().min(1).optional(),
  target: z.string().min(1).optional(),
  from: z.coerce.number().int().min(0).max(10_000).default(0),
  size: z.coerce.number().int().min(1).max(500).default(50),
  access_token: z.string().optional(),
});

const replaySchema = z.strictObject({
  rollout: z.string().min(1).optional(),
  ids: z.array(z.string().min(1)).max(1000).optional(),
  limit: z.number().int().min(1).max(1000).optional(),
});

/** 400 with the first offending field named, in core's `{error, field}` shape. */
function badRequest(res: Response, error: z.ZodError, prefix = ''): void {
  const issue = error.issues[0]!;
  const field = issue.code === 'unrecognized_keys' ? issue.keys.join(',') : [prefix, ...issue.path.map(String)].filter(Boolean).join('.') || prefix || 'body';
  const message = issue.code === 'invalid_type' && issue.input === undefined ? `${field} is required` : `${field}: ${issue.message}`;
  res.status(400).json({ error: message, field });
}

const asyncRoute = (fn: (req: Request, res: Response) => Promise<void>) => (req: Request, res: Response, next: NextFunction) => {
  fn(req, res).catch(next);
};

/** The alerts API under /api/v1: reads need `read`, silences and overrides `operate`, DLQ replay `admin`. */
export function alertsRouter(deps: ApiDeps): Router {
  const router = express.Router();
  const read = requireAuth(deps.tokens, 'read');
  const operate = requireAuth(deps.tokens, 'operate');
  const admin = requireAuth(deps.tokens, 'admin');

  router.get(
    '/actions',
    read,
    asyncRoute(async (req, res) => {
      const query = listQuerySchema.safeParse(req.query);
      if (!query.success) return badRequest(res, query.error);
      const { rollout, kind, status, target, from, size } = query.data;
      const result = await deps.store.search(INDICES.actions, { filters: { rollout, kind, status, target }, sort: [{ field: 'at', order: 'desc' }], from, size });
      const items = result.hits.map(({ payload: _payload, ...rest }) => rest);
      res.json({ total: result.total, from, size, items });
    }),
  );

  router.post(
    '/silences',
    operate,
    jsonBody('64kb'),
    asyncRoute(async (req, res) => {
      const input = silenceInputSchema.safeParse(req.body ?? {});
      if (!input.success) return badRequest(res, input.error);
      const silence = buildSilence(input.data, deps.silences.newId(), new Date());
      if ('field' in silence) {
        res.status(400).json({ error: `${silence.field}: ${silence.message}`, field: silence.field });
        return;
      }
      await deps.silences.save(silence);
      res.status(201).location(`/api/v1/silences/${silence.id}`).json(silence);
    }),
  );

  router.get('/silences', read, (req, res) => {
    const all = req.query.state === 'all';
    const list = deps.silences.list().filter((s) => all || s.state !== 'expired');
    res.json({ items: list });
  });

  router.delete(
    '/silences/:id',
    operate,
    asyncRoute(async (req, res) => {
      const silence = deps.silences.get(String(req.params.id));
      if (!silence) {
        res.status(404).json({ error: `no silence ${req.params.id}`, field: 'id' });
        return;
      }
      const expired = { ...silence, expiredAt: silence.expiredAt ?? new Date().toISOString() };
      await deps.silences.save(expired);
      res.json(expired);
    }),
  );

  router.post(
    '/dlq/replay',
    admin,
    jsonBody('64kb'),
    asyncRoute(async (req, res) => {
      const input = replaySchema.safeParse(req.body ?? {});
      if (!input.success) return badRequest(res, input.error);
      const results = await deps.replay(input.data);
      res.json({ replayed: results.length, succeeded: results.filter((r) => r.status === 'succeeded').length, results });
    }),
  );

  // Alerts only consumes verdicts: the detector numbers every verdict, overrides included.
  router.post('/rollouts/:id/override', operate, (_req, res) => {
    res.status(410).json({ error: 'overrides moved to the detector (the one writer of verdicts): POST /api/v1/rollouts/{id}/override on the detector API', field: 'path' });
  });

  return router;
}
