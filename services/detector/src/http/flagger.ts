import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { jsonBody, requireAuth, type AuthTokens, type Decision } from '@rollwatch/core';
import type { DetectorPort } from './port.js';
import { GATE_RETRY_AFTER_SECONDS, pendingVerdict, verdictBody } from './rollouts.js';

/** Status with a Retry-After on 425 Too Early (pending), so Flagger and scripts know when to ask again. */
function withRetryAfter(res: Response, code: number): Response {
  return code === 425 ? res.status(code).set('Retry-After', String(GATE_RETRY_AFTER_SECONDS)) : res.status(code);
}

/** The Flagger payload of a request, or undefined after answering 400 naming the bad field. */
function parseFlaggerPayload(req: Request, res: Response): z.infer<typeof flaggerPayloadSchema> | undefined {
  const parsed = flaggerPayloadSchema.safeParse(req.body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = issue.path.map(String).join('.') || 'body';
  res.status(400).json({ error: `${field} ${issue.message}`, field });
  return undefined;
}

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
/**
 * `confirm-rollout` runs before the canary is scaled up, when a new release cannot have data yet:
 * pending passes (otherwise the canary would never start), only a no-go of this release holds it.
 */
export const FLAGGER_CONFIRM_ROLLOUT_STATUS: Record<Decision, number> = { go: 200, 'no-go': 409, pending: 200 };
/** The `rollback` webhook inverts it: 200 asks Flagger to roll back, so only no-go answers 2xx. */
export const FLAGGER_ROLLBACK_STATUS: Record<Decision, number> = { go: 412, 'no-go': 200, pending: 412 };

/**
 * Candidate rollout ids for a canary, most specific first: `metadata.rollout` if the webhook sets
 * it, else `<namespace>/<name>`, else `<name>`.
 */
export function flaggerRolloutCandidates(payload: FlaggerPayload, cluster?: string): string[] {
  const explicit = payload.metadata?.rollout;
  if (explicit) return [explicit];
  return [...(cluster ? [`${cluster}/${payload.namespace}/${payload.name}`] : []), `${payload.namespace}/${payload.name}`, payload.name];
}

/**
 * The rollout key a Flagger call is about. With a `checksum` (Flagger sends one per release) and a
 * rollout whose events carry revisions, the checksum's own revision, or none yet (pending): a new
 * release is never answered with the previous release's latched no-go. Without either, as before.
 */
export function flaggerKey(port: DetectorPort, rollout: string, checksum: string | undefined): string | undefined {
  const revisioned = port.revisions.revisions(rollout).some((r) => r.revision !== undefined);
  if (!checksum || !revisioned) return port.revisions.resolve(rollout);
  return port.revisions.bindChecksum(rollout, checksum, port.flaggerWindowMs, (key, ms) => {
    const published = port.tracker.lastPublished(key);
    return published?.decision === 'no-go' && Date.parse(published.noGoAt ?? published.evaluatedAt) < ms;
  });
}

export function flaggerRoutes(port: DetectorPort, tokens: AuthTokens): Router {
  const router = Router();
  // Flagger webhooks cannot send headers, so the read token is accepted as ?access_token= too.
  const auth = requireAuth(tokens, 'read', { queryToken: true });

  const handler = (statusFor: Record<Decision, number>) => async (req: Request, res: Response) => {
    const parsed = parseFlaggerPayload(req, res);
    if (!parsed) return;
    const candidates = flaggerRolloutCandidates(parsed, port.cluster);
    const flagger = { name: parsed.name, namespace: parsed.namespace, phase: parsed.phase ?? null, checksum: parsed.checksum ?? null };
    // A canary this replica has not seen (another replica owns it): the owner ties the checksum to a
    // release and answers; if it cannot be asked, the latest verdict another replica published.
    if (!candidates.some((c) => port.revisions.revisions(c).length > 0 || port.specs.get(c))) {
      const remote = candidates.find((c) => port.remoteKey?.(c) !== undefined);
      if (remote !== undefined) {
        if (await port.forward?.(remote, req, res)) return;
        const key = port.remoteKey!(remote)!;
        // Which release a checksum is cannot be told from verdicts alone: pending, never a pass.
        const verdict = parsed.checksum && key !== remote ? undefined : await port.verdict(key);
        const answer = verdict ?? pendingVerdict(remote, new Date());
        withRetryAfter(res, statusFor[answer.decision]).json({ ...verdictBody(answer), flagger });
        return;
      }
    }
    for (const rollout of candidates) {
      const known = port.revisions.revisions(rollout).length > 0;
      const key = flaggerKey(port, rollout, parsed.checksum);
      if (known && key === undefined) {
        // A new release (checksum) whose canary has not reported yet: pending, whatever the last release got.
        withRetryAfter(res, statusFor.pending).json({ ...verdictBody(pendingVerdict(rollout, new Date())), flagger });
        return;
      }
      const verdict = key === undefined ? undefined : await port.verdict(key);
      if (!verdict) continue;
      withRetryAfter(res, statusFor[verdict.decision]).json({ ...verdictBody(verdict), flagger });
      return;
    }
    // Not seen yet (the canary has not started): pending, so no gate passes and no rollback fires.
    withRetryAfter(res, statusFor.pending).json({ ...verdictBody(pendingVerdict(candidates[0]!, new Date())), flagger, candidates });
  };

  router.post('/flagger/gate', auth, jsonBody('256kb'), handler(FLAGGER_GATE_STATUS));
  router.post('/flagger/rollout', auth, jsonBody('256kb'), handler(FLAGGER_GATE_STATUS));
  router.post('/flagger/confirm-promotion', auth, jsonBody('256kb'), handler(FLAGGER_GATE_STATUS));
  router.post('/flagger/confirm-rollout', auth, jsonBody('256kb'), handler(FLAGGER_CONFIRM_ROLLOUT_STATUS));

  // `type: event`: every Flagger event becomes a log event of the rollout (its timeline), under the
  // revision its checksum is tied to. Informational (group other): neither canary nor baseline, so not a judge signal.
  router.post('/flagger/event', auth, jsonBody('256kb'), async (req, res) => {
    const payload = parseFlaggerPayload(req, res);
    if (!payload) return;
    const candidates = flaggerRolloutCandidates(payload, port.cluster);
    const rollout = candidates.find((c) => port.revisions.revisions(c).length > 0) ?? candidates[0]!;
    const key = flaggerKey(port, rollout, payload.checksum) ?? port.revisions.resolve(rollout);
    const revision = port.revisions.get(key)?.revision;
    const meta = payload.metadata ?? {};
    const stamp = Number(meta.timestamp);
    const time = Number.isFinite(stamp) && stamp > 0 ? new Date(stamp) : new Date();
    const warning = (meta.eventType ?? '').toLowerCase() === 'warning';
    const event = {
      time: time.toISOString(),
      rollout,
      ...(revision ? { revision } : {}),
      group: 'other' as const,
      type: 'log' as const,
      level: warning ? ('warn' as const) : ('info' as const),
      instance: `flagger/${payload.namespace}/${payload.name}`,
      source: 'flagger',
      message: `flagger ${payload.phase ?? ''}: ${meta.eventMessage ?? '(no message)'}`.replace(/\s+:/, ':'),
      labels: {
        'flagger.name': payload.name,
        'flagger.namespace': payload.namespace,
        ...(payload.phase ? { 'flagger.phase': payload.phase } : {}),
        ...(payload.checksum ? { 'flagger.checksum': payload.checksum } : {}),
        ...(meta.eventType ? { 'flagger.event-type': meta.eventType } : {}),
      },
    };
    const id = await port.publishEvent(event);
    res.status(202).json({ accepted: 1, id, rollout, revision: revision ?? null });
  });
  router.post('/flagger/rollback', auth, jsonBody('256kb'), handler(FLAGGER_ROLLBACK_STATUS));
  return router;
}
