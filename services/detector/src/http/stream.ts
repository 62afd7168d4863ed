import { Router, type Response } from 'express';
import { requireAuth, type AuthTokens, type Verdict } from '@rollwatch/core';
import { queryString } from './params.js';
import { verdictBody } from './rollouts.js';

export interface StreamHub {
  router: Router;
  /** Ends every open stream (graceful shutdown must not wait for long-lived connections). */
  closeAll(): void;
}

/** What the stream sends: the verdicts that stand now, then each new one. */
export interface VerdictSource {
  current(): Iterable<Verdict>;
  onChange(listener: (verdict: Verdict) => void): () => void;
}

function send(res: Response, verdict: Verdict): void {
  res.write(`id: ${verdict.rollout}:${verdict.sequence}\nevent: verdict\ndata: ${JSON.stringify(verdictBody(verdict))}\n\n`);
}

/**
 * GET /stream: Server-Sent Events of verdict changes. Sends the current verdicts first (so a fresh
 * dashboard needs no extra request), then each change; `?rollout=` narrows it to one rollout.
 * EventSource cannot set headers, so the read token may come as `?access_token=`. The source is
 * every replica's verdicts (the verdict view) when the detector has one, so any replica streams all.
 */
export function streamRoutes(source: VerdictSource, tokens: AuthTokens, heartbeatMs = 15_000): StreamHub {
  const router = Router();
  const open = new Set<Response>();
  router.get('/stream', requireAuth(tokens, 'read', { queryToken: true }), (req, res) => {
    const only = queryString(req, 'rollout');
    res.status(200).set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      // nginx would otherwise buffer the stream.
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    res.write('retry: 3000\n\n');
    for (const verdict of source.current()) if (!only || verdict.rollout === only) send(res, verdict);
    const unsubscribe = source.onChange((verdict) => {
      if (!only || verdict.rollout === only) send(res, verdict);
    });
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), heartbeatMs);
    heartbeat.unref();
    open.add(res);
    const cleanup = (): void => {
      clearInterval(heartbeat);
      unsubscribe();
      open.delete(res);
    };
    req.on('close', cleanup);
    res.on('close', cleanup);
  });
  return {
    router,
    closeAll: () => {
      for (const res of open) res.end();
      open.clear();
    },
  };
}
