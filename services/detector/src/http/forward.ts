import type { Request, Response } from 'express';

/** Set on a forwarded request (value: the forwarding replica's URL): the receiver never forwards it again. */
export const FORWARDED_HEADER = 'x-rollwatch-forwarded-by';
/** Where an answer about another replica's rollout came from: `owner <url>` or `checkpoint <time>`. */
export const SERVED_FROM_HEADER = 'X-Rollwatch-Served-From';

/** Response headers worth passing back from the owner (the rest are hop-by-hop or recomputed). */
const PASSED_BACK = ['content-type', 'retry-after', 'location', SERVED_FROM_HEADER.toLowerCase()];

export interface Forwarder {
  /**
   * Replays the request on the replica that owns `id` and sends its answer (status, body, a few
   * headers, `X-Rollwatch-Served-From: owner <url>`). Resolves false without answering when there is
   * no owner to ask (unknown, ourselves, the request was already forwarded once) or it did not answer:
   * the caller then answers from what it has.
   */
  forward(id: string, req: Request, res: Response): Promise<boolean>;
}

export interface ForwarderOptions {
  /** The owner's URL for a rollout id, if another replica holds it. */
  ownerOf(id: string): Promise<string | undefined>;
  /** Called when the owner's answer was sent. */
  answered?: () => void;
  /** Called when the owner could not be reached (drop cached group membership). */
  unreachable(url: string, error: unknown): void;
  /** This replica's advertised URL (the hop header's value), if it has one. */
  self?: string | undefined;
  timeoutMs: number;
}

export function createForwarder(options: ForwarderOptions): Forwarder {
  return {
    async forward(id, req, res) {
      // One hop at most: an owner that lost the rollout in a rebalance answers from its checkpoint.
      if (req.get(FORWARDED_HEADER) !== undefined) return false;
      const owner = await options.ownerOf(id).catch(() => undefined);
      if (!owner) return false;
      const headers: Record<string, string> = { [FORWARDED_HEADER]: options.self ?? 'a detector replica', accept: 'application/json' };
      // The owner checks the caller's token itself: the header goes through unchanged, never ours.
      const authorization = req.get('authorization');
      if (authorization !== undefined) headers.authorization = authorization;
      const hasBody = req.method !== 'GET' && req.method !== 'HEAD' && req.body !== undefined;
      if (hasBody) headers['content-type'] = 'application/json';
      let answer: globalThis.Response;
      let body: string;
      try {
        answer = await fetch(new URL(req.originalUrl, owner), {
          method: req.method,
          headers,
          ...(hasBody ? { body: JSON.stringify(req.body) } : {}),
          redirect: 'manual',
          signal: AbortSignal.timeout(options.timeoutMs),
        });
        body = await answer.text();
      } catch (error) {
        options.unreachable(owner, error);
        return false;
      }
      // A 5xx is the owner failing (or restoring): our own answer is better than passing that on.
      if (answer.status >= 500) return false;
      for (const name of PASSED_BACK) {
        const value = answer.headers.get(name);
        if (value !== null) res.set(name, value);
      }
      if (!answer.headers.has(SERVED_FROM_HEADER)) res.set(SERVED_FROM_HEADER, `owner ${owner}`);
      res.status(answer.status).send(body);
      options.answered?.();
      return true;
    },
  };
}
