import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { jsonBody, requireAuth, type AuthTokens, type Decision } from '@rollwatch/core';
import type { DetectorPort } from './port.js';
import { verdictBody } from './rollouts.js';

/** Flagger's webhook payload (https://docs.flagger.app/usage/webhooks). */
export const flaggerPayloadSchema = z.object({
  name: z.string().min(1).max(253),
  namespace: z.string().min(1).max(253),
  phase: z.string().max(64).optional(),
  checksum: z.string().optional(),
  buildId: z.string().optional(),
  metadata: z.record(z.string(), z.string()).optional(),
});
export type FlaggerPayload = z.infer<typeof flaggerPayloadSchema>;

/**
 * Flagger treats any non-2xx as "not yet / failed": gates only pass on go. Pending answers 425 Too
 * Early, so a confirm-promotion webhook keeps waiting and a pre-rollout/rollout check counts a
 * failure (Flagger retries on its interval; the canary's threshold bounds how long).
 */
export const FLAGGER_GATE_STATUS: Record<Decision, number> = { go: 200, 'no-go': 409, pending: 425 };
/** The `rollback` webhook inverts it: 200 asks Flagger to roll back, so only no-go answers 2xx. */
export const FLAGGER_ROLLBACK_STATUS: Record<Decision, number> = { go: 412, 'no-go': 200, pending: 412 };

/**
 * Candidate rollout ids for a canary, most specific first: `metadata.rollout` if the webhook sets
 * it, else `<namespace>/<name>`, else `<name>`.
 */
export function flaggerRolloutCandidates(payload: FlaggerPayload): string[] {
  const explicit = payload.metadata?.rollout;
  if (explicit) return [explicit];
  return [`${payload.namespace}/${payload.name}`, payload.name];
}

export function flaggerRoutes(port: DetectorPort, tokens: AuthTokens): Router {
  const router = Router();
  // Flagger webhooks cannot send headers, so the read token is accepted as ?access_token= too.
  const auth = requireAuth(tokens, 'read', { queryToken: true });

  const handler = (statusFor: Record<Decision, number>) => async (req: Request, res: Response) => {
    const parsed = flaggerPayloadSchema.safeParse(req.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = issue.path.map(String).join('.') || 'body';
      res.status(400).json({ error: `${field} ${issue.message}`, field });
      return;
    }
    const candidates = flaggerRolloutCandidates(parsed.data);
    for (const rollout of candidates) {
      const verdict = await port.verdict(rollout);
      if (!verdict) continue;
      res.status(statusFor[verdict.decision]).json({ ...verdictBody(verdict), flagger: { name: parsed.data.name, namespace: parsed.data.namespace, phase: parsed.data.phase ?? null } });
      return;
    }
    res.status(404).json({ error: `no rollout found for Flagger canary ${parsed.data.namespace}/${parsed.data.name} (tried ${candidates.map((c) => `"${c}"`).join(', ')})`, field: 'name', candidates });
  };

  router.post('/flagger/gate', auth, jsonBody('256kb'), handler(FLAGGER_GATE_STATUS));
  router.post('/flagger/rollout', auth, jsonBody('256kb'), handler(FLAGGER_GATE_STATUS));
  router.post('/flagger/confirm-promotion', auth, jsonBody('256kb'), handler(FLAGGER_GATE_STATUS));
  router.post('/flagger/rollback', auth, jsonBody('256kb'), handler(FLAGGER_ROLLBACK_STATUS));
  return router;
}
