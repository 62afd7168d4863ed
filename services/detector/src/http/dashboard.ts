// The anomaly dashboard (packages/dashboard) served at `/`, plus the route it needs that lives
// elsewhere: the audit of actions (Store index rollwatch-actions, written by alerts), so the browser
// talks to one origin with one token. Overrides are the detector's own (http/override.ts).
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import path from 'node:path';
import { INDICES, REVISION_PATTERN, ValidationError, authConfigured, requireAuth, rolloutKey, scopesOf, type AuthTokens, type Store } from '@rollwatch/core';
import { DASHBOARD_BUILD_COMMAND, dashboardBuilt, dashboardStaticDir } from '@rollwatch/dashboard';
import { pagination, queryString, routeParam } from './params.js';

export interface DashboardRouteOptions {
  store: Store;
  tokens: AuthTokens;
  staticDir?: string;
  /**
   * The rollout key an id (and `?revision=`) means: overrides and actions are per revision, so
   * `prod/checkout` addresses its newest revision. Default: the id as given.
   */
  resolveKey?: (id: string, revision?: string) => string;
}

const TOKEN_COOKIE = 'rollwatch_token';
function cookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return decodeURIComponent(value.join('='));
  }
  return undefined;
}

function validToken(tokens: AuthTokens, token: string): boolean {
  return scopesOf(tokens, token).has('read');
}

const SIGN_IN_PAGE = `<!doctype html><meta charset="utf-8"><title>rollwatch: sign in</title>
<body style="font:14px system-ui;margin:3rem"><h1>rollwatch</h1><p>This dashboard needs the API's read token.</p>
<form method="get" action="/"><input type="password" name="access_token" placeholder="token" autofocus> <button>Open dashboard</button></form>`;

function notBuiltPage(dir: string): string {
  return `<!doctype html><meta charset="utf-8"><title>rollwatch: dashboard not built</title>
<body style="font:14px system-ui;margin:3rem"><h1>The dashboard assets are not built</h1>
<p>Run <code>${DASHBOARD_BUILD_COMMAND}</code> (or <code>npm run build</code>) and reload. Expected files in <code>${dir}</code>.</p>
<p>The API works regardless: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>.</p>`;
}

const wantsHtml = (req: Request): boolean => (req.headers.accept ?? '').includes('text/html');

export function dashboardRoutes(options: DashboardRouteOptions): Router {
  const { store, tokens } = options;
  const staticDir = options.staticDir ?? dashboardStaticDir();
  const router = Router();
  const read = requireAuth(tokens, 'read');
  // The entry page may carry ?access_token= once (a browser cannot send a header on navigation).
  const readViaQuery = requireAuth(tokens, 'read', { queryToken: true });

  const listActions = async (req: Request, res: Response, rollout?: string): Promise<void> => {
    const { from, size } = pagination(req);
    const filters = { rollout: rollout ?? queryString(req, 'rollout'), kind: queryString(req, 'kind'), status: queryString(req, 'status'), target: queryString(req, 'target') };
    const result = await store.search(INDICES.actions, { filters, sort: [{ field: 'at', order: 'desc' }], from, size });
    // `payload` is the replay copy of the planned action: internal, large, and may carry labels.
    const items = result.hits.map(({ payload: _payload, ...rest }) => rest);
    res.json({ ...(rollout ? { rollout } : {}), total: result.total, from, size, items });
  };
  router.get('/api/v1/actions', read, (req, res) => listActions(req, res));
  const keyOf = (req: Request): string => {
    const revision = queryString(req, 'revision');
    if (revision !== undefined && !REVISION_PATTERN.test(revision)) throw new ValidationError('revision', 'revision must be 1-128 characters without "@" or spaces');
    return options.resolveKey ? options.resolveKey(routeParam(req, 'id'), revision) : rolloutKey(routeParam(req, 'id'), revision);
  };
  router.get('/api/v1/rollouts/:id/actions', read, (req, res) => listActions(req, res, keyOf(req)));

  // Browsers cannot attach a bearer header to <script>/<link> loads: a token given once as
  // ?access_token= is kept in an HttpOnly cookie that unlocks the static files only (never /api).
  const dashboardAuth = (req: Request, res: Response, next: NextFunction): void => {
    if (!authConfigured(tokens)) return next();
    const fromQuery = typeof req.query.access_token === 'string' ? req.query.access_token : undefined;
    const fromCookie = cookie(req, TOKEN_COOKIE);
    if (!req.headers.authorization && fromCookie && validToken(tokens, fromCookie)) req.headers.authorization = `Bearer ${fromCookie}`;
    if (!req.headers.authorization && !fromQuery && wantsHtml(req)) {
      res.status(401).set('WWW-Authenticate', 'Bearer realm="rollwatch"').type('html').send(SIGN_IN_PAGE);
      return;
    }
    readViaQuery(req, res, () => {
      if (fromQuery && validToken(tokens, fromQuery)) {
        res.cookie(TOKEN_COOKIE, fromQuery, { httpOnly: true, sameSite: 'strict', path: '/', secure: req.secure });
      }
      next();
    });
  };

  const serve = express.static(staticDir, {
    index: false,
    setHeaders: (res, file) => {
      // Vite content-hashes everything under assets/: cache forever; the entry page never.
      res.setHeader('Cache-Control', file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  let built = false;
  router.use((req, res, next) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || req.path.startsWith('/api/')) return next();
    // Source maps (from a debugging build) are never served: they are the source, not the app.
    if (req.path.endsWith('.map')) return next();
    dashboardAuth(req, res, () => {
      built ||= dashboardBuilt(staticDir);
      if (!built) {
        res.status(503).set('Retry-After', '30');
        if (wantsHtml(req)) res.type('html').send(notBuiltPage(staticDir));
        else res.json({ error: `the dashboard assets are not built; run \`${DASHBOARD_BUILD_COMMAND}\``, field: 'dashboard' });
        return;
      }
      serve(req, res, () => {
        // SPA fallback: client-side routes (/rollouts/x, /events) get the entry page; a missing
        // file (a path with an extension) stays a 404.
        if (path.extname(req.path)) return next();
        res.setHeader('Cache-Control', 'no-cache');
        res.sendFile(path.join(staticDir, 'index.html'));
      });
    });
  });
  return router;
}
