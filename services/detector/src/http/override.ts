import { Router } from 'express';
import { jsonBody, overrideRequestSchema, requireAuth, type AuthTokens, type OverrideRequest, type Verdict } from '@rollwatch/core';
import type { DetectorPort } from './port.js';
import { notFound, requestedKey, verdictBody } from './rollouts.js';

export interface OverridePort {
  /**
   * Routes a person's override to the rollout's owner (the one writer of its verdicts) and waits a
   * bounded time for the verdict it numbers. `undefined` for a rollout this detector never saw;
   * `verdict: undefined` when the owner has not applied it yet (it will: the command is durable).
   */
  override(rollout: string, request: OverrideRequest): Promise<{ verdict: Verdict | undefined } | undefined>;
}

/**
 * `POST /rollouts/{id}/override[?revision=]`: validated against core's one override schema (400 naming the
 * field). Overrides are per revision: an id alone addresses its newest revision (like the gate).
 */
export function overrideRoutes(port: DetectorPort, tokens: AuthTokens): Router {
  const router = Router();
  router.post('/rollouts/:id/override', requireAuth(tokens, 'operate'), jsonBody('64kb'), async (req, res) => {
    const rollout = requestedKey(req, port);
    if (rollout.length > 256) {
      res.status(400).json({ error: 'rollout id is longer than 256 characters', field: 'id' });
      return;
    }
    const parsed = overrideRequestSchema.safeParse(req.body ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = issue.code === 'unrecognized_keys' ? issue.keys.join(',') : issue.path.map(String).join('.') || 'body';
      res.status(400).json({ error: issue.code === 'invalid_type' && issue.input === undefined ? `${field} is required` : `${field}: ${issue.message}`, field });
      return;
    }
    const outcome = await port.override(rollout, parsed.data);
    if (!outcome) return notFound(res, rollout);
    if (outcome.verdict) res.status(202).json({ verdict: verdictBody(outcome.verdict) });
    else res.status(202).json({ queued: true, rollout, detail: 'the owning detector replica has not applied the override yet; GET /rollouts/{id}/verdict shows it once applied' });
  });
  return router;
}
