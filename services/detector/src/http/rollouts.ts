import { Router, type Request, type Response } from 'express';
import { INDICES, REVISION_PATTERN, ValidationError, jsonBody, requireAuth, type AuthTokens, type Decision, type RolloutItem, type TemplateTableRow, type Verdict, type VerdictBody } from '@rollwatch/core';
import type { AnalysisEngine, RolloutSummary, TemplateRow } from '@rollwatch/analysis';
import { parseRolloutSpec } from '../state/specs.js';
import { rolloutIdOf } from '../state/verdict-view.js';
import { toVerdict } from '../verdicts/change.js';
import { SERVED_FROM_HEADER } from './forward.js';
import { pagination, queryInt, queryString, routeParam } from './params.js';
import type { DetectorPort } from './port.js';
import { rolloutListing, type ListedRollout } from './rollout-list.js';

export const ROLLOUT_PAGE_DEFAULT = 500;
export const ROLLOUT_PAGE_MAX = 1000;

/**
 * Exit-code friendly gate that fails safe: 2xx only for go, so `curl --fail` (and any client that
 * treats 2xx as success) stops a pipeline on anything else. Pending is 425 Too Early with Retry-After
 * (as the Flagger endpoints answer): "not decided yet" must never read as a pass.
 */
export const GATE_STATUS: Record<Decision, number> = { go: 200, 'no-go': 409, pending: 425 };
/**
 * Retry-After (seconds) on a pending answer: a polite poll cadence (a couple of evaluation intervals at
 * the default DETECTOR_EVALUATION_INTERVAL_MS). Clients that need a change at once follow GET /stream.
 */
export const GATE_RETRY_AFTER_SECONDS = 10;

/**
 * Adds what the dashboard asks for on top of the engine's counts: per-minute rates over the
 * rollout's observed span and whether the template is new in the canary (never seen on baseline).
 * New-in-canary templates come first, then by canary count.
 */
export function templateTable(rows: TemplateRow[], firstEventAt: string | null, lastEventAt: string | null): TemplateTableRow[] {
  const spanMs = firstEventAt && lastEventAt ? Date.parse(lastEventAt) - Date.parse(firstEventAt) : 0;
  const minutes = Math.max(spanMs, 60_000) / 60_000;
  const rate = (n: number) => Math.round((n / minutes) * 1000) / 1000;
  return rows
    .map((row) => ({ ...row, newInCanary: row.canary > 0 && row.baseline === 0, canaryPerMinute: rate(row.canary), baselinePerMinute: rate(row.baseline) }))
    .sort((a, b) => Number(b.newInCanary) - Number(a.newInCanary) || b.canary - a.canary || a.id.localeCompare(b.id));
}

export function verdictBody(verdict: Verdict): VerdictBody {
  return {
    rollout: verdict.rollout,
    ...(verdict.revision !== undefined ? { revision: verdict.revision } : {}),
    decision: verdict.decision,
    score: verdict.score,
    reasons: verdict.reasons,
    evaluatedAt: verdict.evaluatedAt,
    noGoAt: verdict.noGoAt ?? null,
    cause: verdict.cause ?? null,
    sequence: verdict.sequence,
    ...(verdict.service !== undefined ? { service: verdict.service } : {}),
    ...(verdict.labels !== undefined ? { labels: verdict.labels } : {}),
    ...(verdict.overridden !== undefined ? { overridden: verdict.overridden } : {}),
  };
}

/**
 * The rollout key a request means: `{id}` may be a rollout id (`prod/checkout`, URL-encoded
 * `prod%2Fcheckout`, or as plain path segments on the wildcard routes) or a full key
 * (`prod/checkout@5b4a3c2d1`); `?revision=` picks a revision; without one, the newest revision.
 */
export function requestedKey(req: Request, port: DetectorPort): string {
  const raw = req.params.path;
  const id = Array.isArray(raw) ? raw.join('/') : routeParam(req, 'id');
  const revision = queryString(req, 'revision');
  if (revision !== undefined && !REVISION_PATTERN.test(revision)) throw new ValidationError('revision', 'revision must be 1-128 characters without "@" or spaces');
  // A rollout another replica owns: its revisions are known here only from the verdicts it published.
  const seenHere = port.revisions.get(id) !== undefined || port.revisions.revisions(id).length > 0;
  if (revision === undefined && !seenHere) return port.remoteKey?.(id) ?? id;
  return port.revisions.resolve(id, revision);
}

/**
 * Nothing is known about the rollout yet (no event, no registration): for Argo Rollouts' Web
 * provider that is "no decision yet", an Inconclusive measurement, not an error that aborts the
 * rollout after `consecutiveErrorLimit`. Pending never reads as a pass.
 */
export function pendingVerdict(key: string, now: Date, revision?: string): Verdict {
  return {
    rollout: key,
    ...(revision ? { revision } : {}),
    decision: 'pending',
    score: null,
    reasons: [{ signal: 'no_data', severity: 'info', message: `no events seen yet for "${key}": pending until its canary and baseline report` }],
    evaluatedAt: now.toISOString(),
    noGoAt: null,
    sequence: 0,
  };
}

export function notFound(res: Response, rollout: string): void {
  res.status(404).json({ error: `unknown rollout "${rollout}"`, field: 'id', rollout });
}

function summaryBody(summary: RolloutSummary | undefined, verdict: Verdict | undefined, port: DetectorPort, rollout: string): RolloutItem {
  const registered = port.specs.get(rollout);
  const entry = port.revisions.get(rollout);
  return {
    rollout,
    id: entry?.rollout ?? (verdict ? rolloutIdOf(verdict) : rollout),
    revision: entry?.revision ?? verdict?.revision ?? null,
    service: summary?.service ?? verdict?.service ?? registered?.spec.service ?? null,
    decision: verdict?.decision ?? 'pending',
    score: verdict?.score ?? null,
    sequence: verdict?.sequence ?? 0,
    noGoAt: verdict?.noGoAt ?? null,
    evaluatedAt: verdict?.evaluatedAt ?? null,
    instances: summary?.instances ?? null,
    events: summary?.events ?? null,
    firstEventAt: summary?.firstEventAt ?? null,
    lastEventAt: summary?.lastEventAt ?? null,
    registered: summary?.registered ?? registered !== undefined,
    labels: registered?.spec.labels ?? verdict?.labels ?? {},
    location: summary ? 'local' : 'remote',
  };
}

/** Every rollout any replica judges (see rolloutListing), as this replica sees them now. */
export function listRollouts(port: DetectorPort): ListedRollout[] {
  const fleet = port.fleet;
  return rolloutListing({
    local: port.engine.rollouts(),
    // A local rollout not judged here yet (a finished one after a restore) shows its published verdict.
    current: (key) => port.tracker.latest(key) ?? fleet?.get(key) ?? port.tracker.lastPublished(key),
    published: (key) => fleet?.get(key) ?? port.tracker.lastPublished(key),
    fleet: fleet?.all() ?? [],
    sinceMs: port.listedSinceMs?.() ?? 0,
  });
}

export function rolloutRoutes(port: DetectorPort, tokens: AuthTokens): Router {
  const router = Router();
  const read = requireAuth(tokens, 'read');
  const write = requireAuth(tokens, 'operate');

  // Paginated (from/size, at most ROLLOUT_PAGE_MAX per page): the body stays {total, items} and
  // gains `next` (the URL of the following page) only when there is more. Any replica lists every
  // replica's rollouts, in the same order, so the pages of one listing may come from different ones.
  router.get('/rollouts', read, (req, res) => {
    const size = queryInt(req, 'size', { min: 1, max: ROLLOUT_PAGE_MAX, def: ROLLOUT_PAGE_DEFAULT })!;
    const from = queryInt(req, 'from', { min: 0, max: Number.MAX_SAFE_INTEGER, def: 0 })!;
    const listed = listRollouts(port);
    const items = listed.slice(from, from + size).map((row) => summaryBody(row.summary, row.verdict, port, row.key));
    const more = from + size < listed.length;
    res.json({ total: listed.length, items, ...(more ? { next: `/api/v1/rollouts?from=${from + size}&size=${size}` } : {}) });
  });

  router.post('/rollouts', write, jsonBody('1mb'), async (req, res) => {
    const parsed = parseRolloutSpec(req.body);
    if (!parsed.ok) {
      const first = parsed.errors[0]!;
      res.status(400).json({ error: first.message, field: first.field, errors: parsed.errors });
      return;
    }
    const { created, verdict } = await port.register(parsed.spec);
    res
      .status(created ? 201 : 200)
      .location(`/api/v1/rollouts/${encodeURIComponent(parsed.spec.id)}`)
      .json({ rollout: parsed.spec.id, created, spec: parsed.spec, verdict: verdict ? verdictBody(verdict) : null });
  });

  router.get('/rollouts/:id', read, async (req, res) => {
    const id = requestedKey(req, port);
    const location = await port.locate(id);
    if (!location) return notFound(res, id);
    const summary = port.engine.rollouts().find((r) => r.rollout === id);
    const verdict = await port.verdict(id);
    res.json({ ...summaryBody(summary, verdict, port, id), spec: port.specs.get(id)?.spec ?? null, verdict: verdict ? verdictBody(verdict) : null });
  });

  const reply = (res: Response, code: number): Response => (code === 425 ? res.status(code).set('Retry-After', String(GATE_RETRY_AFTER_SECONDS)) : res.status(code));
  const answer = (status: (decision: Decision) => number, unknown: 'pending' | '404') => async (req: Request, res: Response) => {
    const id = requestedKey(req, port);
    const batch = queryInt(req, 'batch', { min: 0, max: 100_000 });
    if (batch !== undefined && (await port.locate(id)) !== 'restoring') {
      if ((await port.locate(id)) !== 'local') {
        // Batch evaluation needs the engine: the owner's.
        if (await port.forward?.(id, req, res)) return;
        return notFound(res, id);
      }
      const result = port.engine.evaluateBatch(id, batch);
      const verdict: Verdict = { ...toVerdict(result, port.specs.labelsFor(id)), sequence: port.tracker.latest(id)?.sequence ?? 0 };
      reply(res, status(verdict.decision)).json({ ...verdictBody(verdict), batch });
      return;
    }
    const verdict = await port.verdict(id);
    if (!verdict) {
      if (unknown === '404') return notFound(res, id);
      const revision = queryString(req, 'revision');
      reply(res, status('pending')).json(verdictBody(pendingVerdict(id, new Date(), revision)));
      return;
    }
    reply(res, status(verdict.decision)).json(verdictBody(verdict));
  };
  // For Argo Rollouts' Web provider and dashboards: always 200, the decision is in the body, and a
  // rollout not seen yet is pending (Inconclusive), never a 404 (an Error that aborts the analysis).
  const verdictRoute = answer(() => 200, 'pending');
  const gateRoute = answer((decision) => GATE_STATUS[decision], '404');
  router.get('/rollouts/:id/verdict', read, verdictRoute);
  router.get('/rollouts/:id/gate', read, gateRoute);
  // The same with the id as plain path segments (/rollouts/prod/checkout/verdict), for clients that
  // cannot URL-encode a "/" (or proxies that decode %2F before it arrives).
  router.get('/rollouts/*path/verdict', read, verdictRoute);
  router.get('/rollouts/*path/gate', read, gateRoute);

  const local = (handler: (id: string, req: Request, res: Response, engine: AnalysisEngine) => unknown) => async (req: Request, res: Response) => {
    const id = requestedKey(req, port);
    const location = await port.locate(id);
    if (!location) return notFound(res, id);
    if (location === 'restoring') {
      res.status(503).set('Retry-After', '2').json({ error: `rollout "${id}" is being restored on this replica (its partition was just assigned here); retry shortly`, field: 'id', rollout: id });
      return;
    }
    if (location === 'remote') {
      // Another replica owns it: ask the owner; if it cannot answer, answer from the rollout's
      // partition's last checkpoint (as of that checkpoint).
      if (await port.forward?.(id, req, res)) return;
      const fromCheckpoint = await port.checkpointEngine?.(id);
      if (!fromCheckpoint) {
        res.status(404).json({ error: `rollout "${id}" is analysed by another detector replica and has no checkpoint yet; ask the replica consuming its partition`, field: 'id', rollout: id });
        return;
      }
      res.set(SERVED_FROM_HEADER, `checkpoint ${fromCheckpoint.at}`);
      await handler(id, req, res, fromCheckpoint.engine);
      return;
    }
    await handler(id, req, res, port.engine);
  };

  router.get('/rollouts/:id/series', read, local((id, _req, res, engine) => res.json({ rollout: id, series: engine.series(id) })));

  router.get(
    '/rollouts/:id/hosts',
    read,
    local((id, _req, res, engine) => {
      const rows = engine.hostInventory(id);
      res.json({ rollout: id, attributes: rows, warnings: mixedEnvironmentWarnings(rows) });
    }),
  );

  router.get(
    '/rollouts/:id/templates',
    read,
    local((id, _req, res, engine) => {
      const summary = engine.rollouts().find((r) => r.rollout === id);
      res.json({ rollout: id, firstEventAt: summary?.firstEventAt ?? null, lastEventAt: summary?.lastEventAt ?? null, templates: templateTable(engine.templates(id), summary?.firstEventAt ?? null, summary?.lastEventAt ?? null) });
    }),
  );

  const history = (index: string, sortField: string) => async (req: Request, res: Response) => {
    const id = requestedKey(req, port);
    const { from, size } = pagination(req);
    if (!(await port.locate(id))) return notFound(res, id);
    const result = await port.store.search(index, { filters: { rollout: id }, sort: [{ field: sortField, order: 'desc' }], from, size });
    res.json({ rollout: id, total: result.total, from, size, items: result.hits });
  };
  router.get('/rollouts/:id/anomalies', read, history(INDICES.anomalies, 'detectedAt'));
  router.get('/rollouts/:id/verdicts', read, history(INDICES.verdicts, 'sequence'));
  return router;
}

/**
 * A mixed environment: some attribute value is found only in one group (say, canaries all on a
 * new kernel). Differences between groups may then be the environment's, not the release's.
 */
export function mixedEnvironmentWarnings(rows: { attribute: string; value: string; canaryInstances: number; baselineInstances: number; failingCanary: number; failingBaseline: number }[]): string[] {
  const warnings: string[] = [];
  const byAttribute = new Map<string, typeof rows>();
  for (const row of rows) byAttribute.set(row.attribute, [...(byAttribute.get(row.attribute) ?? []), row]);
  for (const [attribute, values] of byAttribute) {
    if (values.length < 2) continue;
    for (const row of values) {
      if (row.canaryInstances > 0 && row.baselineInstances === 0) {
        warnings.push(`${attribute}=${row.value} appears only on canary instances (${row.canaryInstances}); canary/baseline differences may come from the environment`);
      } else if (row.baselineInstances > 0 && row.canaryInstances === 0) {
        warnings.push(`${attribute}=${row.value} appears only on baseline instances (${row.baselineInstances})`);
      }
    }
  }
  return warnings;
}
