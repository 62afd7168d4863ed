import { Router } from 'express';
import { EVENT_GROUPS, EVENT_TYPES, INDICES, LOG_LEVELS, requireAuth, type AuthTokens, type Store, type StoreQuery } from '@rollwatch/core';
import { pagination, queryEnum, queryString, queryTime } from './params.js';

/** GET /events: searches the events index (newest first), for the dashboard and for debugging. */
export function eventRoutes(store: Store, tokens: AuthTokens): Router {
  const router = Router();
  router.get('/events', requireAuth(tokens, 'read'), async (req, res) => {
    const { from, size } = pagination(req);
    const since = queryTime(req, 'since');
    const until = queryTime(req, 'until');
    const query: StoreQuery = {
      filters: {
        rollout: queryString(req, 'rollout'),
        group: queryEnum(req, 'group', EVENT_GROUPS),
        type: queryEnum(req, 'type', EVENT_TYPES),
        host: queryString(req, 'host'),
        instance: queryString(req, 'instance'),
        level: queryEnum(req, 'level', LOG_LEVELS),
        service: queryString(req, 'service'),
      },
      sort: [
        { field: 'time', order: 'desc' },
        { field: 'id', order: 'asc' },
      ],
      from,
      size,
    };
    const text = queryString(req, 'q');
    if (text !== undefined) query.text = text.slice(0, 1000);
    if (since !== undefined || until !== undefined) query.range = { field: 'time', ...(since ? { gte: since } : {}), ...(until ? { lte: until } : {}) };
    const result = await store.search(INDICES.events, query);
    res.json({ total: result.total, from, size, items: result.hits });
  });
  return router;
}
