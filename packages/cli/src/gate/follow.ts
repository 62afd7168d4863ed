// Follows one rollout's verdict on the detector until it is decided: the detector's Server-Sent Events
// stream (GET /api/v1/stream?rollout=) reports a change the moment it is published, and GET /gate is
// polled every Retry-After seconds as well, so a stream that is unavailable (an old detector, a proxy
// that buffers, a replica that does not own the rollout) only makes the answer slower, never wrong.
import { setTimeout as sleep } from 'node:timers/promises';
import { createParser } from 'eventsource-parser';
import { authHeaders } from '../token.js';

export type Decision = 'go' | 'no-go' | 'pending';

export interface GateReason {
  signal: string;
  severity: string;
  message: string;
}

/** The detector's verdict body (extra fields are kept for --json). */
export interface GateVerdict {
  rollout: string;
  decision: Decision;
  score: number | null;
  reasons: GateReason[];
  sequence?: number;
  revision?: string;
  [field: string]: unknown;
}

export type GateOutcome =
  | { kind: 'decided'; verdict: GateVerdict; via: 'gate' | 'stream' }
  /** Not decided: pending (or a rollout the detector has not seen yet, `known: false`). */
  | { kind: 'undecided'; verdict: GateVerdict; known: boolean; timedOut: boolean };

/** The detector could not be asked (exit 2). `transient` errors are retried while waiting. */
export class GateConnectionError extends Error {
  constructor(
    message: string,
    readonly transient: boolean,
  ) {
    super(message);
    this.name = 'GateConnectionError';
  }
}

export interface FollowOptions {
  baseUrl: string;
  rollout: string;
  revision?: string;
  token?: string;
  /** Keep following until decided (else: answer once). */
  wait: boolean;
  timeoutMs: number;
  /** Poll interval; default: the detector's Retry-After (else 5 s). */
  pollMs?: number;
  /** Called once, when a wait begins. */
  onWaiting?: (verdict: GateVerdict, known: boolean) => void;
  /** Non-fatal trouble while waiting (stream unavailable, a failed poll). */
  onNotice?: (message: string) => void;
  fetch?: typeof fetch;
}

const REQUEST_TIMEOUT_MS = 10_000;
const DEFAULT_POLL_MS = 5_000;

interface GateAnswer {
  verdict: GateVerdict;
  known: boolean;
  retryAfterMs?: number;
}

function unknownRollout(rollout: string): GateVerdict {
  return { rollout, decision: 'pending', score: null, reasons: [{ signal: 'rollout', severity: 'info', message: `the detector has not seen rollout "${rollout}" yet (no events, not registered)` }] };
}

async function errorText(res: Response): Promise<string> {
  const text = await res.text().catch(() => '');
  try {
    return (JSON.parse(text) as { error?: string }).error ?? text.slice(0, 200);
  } catch {
    return text.slice(0, 200);
  }
}

/** One GET /gate: 200 go, 409 no-go, 425 pending; 404 naming the id = not seen yet. */
export async function askGate(o: FollowOptions): Promise<GateAnswer> {
  const doFetch = o.fetch ?? fetch;
  const url = `${o.baseUrl}/api/v1/rollouts/${encodeURIComponent(o.rollout)}/gate${o.revision ? `?revision=${encodeURIComponent(o.revision)}` : ''}`;
  let res: Response;
  try {
    res = await doFetch(url, { headers: { accept: 'application/json', ...authHeaders(o.token) }, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new GateConnectionError(`cannot reach the detector at ${o.baseUrl}: ${cause?.code ?? cause?.message ?? (error as Error).message}`, true);
  }
  if (res.status === 200 || res.status === 409 || res.status === 425) {
    const verdict = (await res.json()) as GateVerdict;
    const retryAfter = Number(res.headers.get('retry-after'));
    return { verdict, known: true, retryAfterMs: retryAfter > 0 ? retryAfter * 1000 : undefined };
  }
  const message = await errorText(res);
  if (res.status === 401 || res.status === 403) throw new GateConnectionError(`the detector refused the token (HTTP ${res.status}: ${message}); pass --token-file or set ROLLWATCH_API_TOKEN`, false);
  // The detector's 404 for an unknown rollout names the id; any other 404 means a wrong --url.
  if (res.status === 404 && /unknown rollout/.test(message)) return { verdict: unknownRollout(o.rollout), known: false };
  if (res.status === 404) throw new GateConnectionError(`${url} answered 404 (${message}): is --url the detector?`, false);
  throw new GateConnectionError(`the detector answered HTTP ${res.status}: ${message}`, res.status >= 500 || res.status === 429);
}

function matches(o: FollowOptions, verdict: GateVerdict): boolean {
  if (verdict.rollout !== o.rollout) return false;
  return !o.revision || verdict.revision === undefined || verdict.revision === o.revision;
}

/** Reads the SSE stream until it ends or `signal` aborts; each verdict for the rollout goes to `onVerdict`. */
async function readStream(o: FollowOptions, signal: AbortSignal, onVerdict: (verdict: GateVerdict) => void): Promise<void> {
  const doFetch = o.fetch ?? fetch;
  const query = `rollout=${encodeURIComponent(o.rollout)}${o.revision ? `&revision=${encodeURIComponent(o.revision)}` : ''}`;
  const res = await doFetch(`${o.baseUrl}/api/v1/stream?${query}`, { headers: { accept: 'text/event-stream', ...authHeaders(o.token) }, signal });
  if (res.status !== 200 || !/text\/event-stream/.test(res.headers.get('content-type') ?? '') || !res.body) {
    await res.body?.cancel().catch(() => undefined);
    throw new Error(`HTTP ${res.status}`);
  }
  const parser = createParser({
    onEvent(event) {
      if (event.event !== 'verdict') return;
      let verdict: GateVerdict;
      try {
        verdict = JSON.parse(event.data) as GateVerdict;
      } catch {
        return;
      }
      if (matches(o, verdict)) onVerdict(verdict);
    },
  });
  const decoder = new TextDecoder();
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) parser.feed(decoder.decode(chunk, { stream: true }));
}

/**
 * Answers once, or (wait) follows until go/no-go or the timeout. Throws GateConnectionError when the
 * detector cannot be asked at all, or refuses the token.
 */
export async function followVerdict(o: FollowOptions): Promise<GateOutcome> {
  const deadline = Date.now() + o.timeoutMs;
  let last = await askGate(o);
  if (last.verdict.decision !== 'pending') return { kind: 'decided', verdict: last.verdict, via: 'gate' };
  if (!o.wait) return { kind: 'undecided', verdict: last.verdict, known: last.known, timedOut: false };
  o.onWaiting?.(last.verdict, last.known);
  const pollMs = (): number => Math.max(100, o.pollMs ?? last.retryAfterMs ?? DEFAULT_POLL_MS);
  const stop = new AbortController();

  return new Promise<GateOutcome>((resolve, reject) => {
    let settled = false;
    const finish = (settle: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      stop.abort();
      settle();
    };
    const timer = setTimeout(() => finish(() => resolve({ kind: 'undecided', verdict: last.verdict, known: last.known, timedOut: true })), Math.max(0, deadline - Date.now()));
    const decided = (verdict: GateVerdict, via: 'gate' | 'stream'): void => finish(() => resolve({ kind: 'decided', verdict, via }));

    const stream = async (): Promise<void> => {
      let noticed = false;
      while (!settled) {
        try {
          await readStream(o, stop.signal, (verdict) => {
            if (verdict.decision !== 'pending') decided(verdict, 'stream');
            else last = { ...last, verdict, known: true };
          });
          if (settled) return;
          throw new Error('the stream ended');
        } catch (error) {
          if (settled) return;
          if (!noticed) o.onNotice?.(`verdict stream unavailable (${(error as Error).message}); polling ${o.baseUrl} every ${pollMs() / 1000} s`);
          noticed = true;
        }
        await sleep(pollMs(), undefined, { signal: stop.signal }).catch(() => undefined);
      }
    };

    const poll = async (): Promise<void> => {
      while (!settled) {
        await sleep(pollMs(), undefined, { signal: stop.signal }).catch(() => undefined);
        if (settled) return;
        try {
          const answer = await askGate(o);
          if (answer.verdict.decision !== 'pending') return decided(answer.verdict, 'gate');
          last = answer;
        } catch (error) {
          if (error instanceof GateConnectionError && !error.transient) return finish(() => reject(error));
          o.onNotice?.(`${(error as Error).message}; retrying`);
        }
      }
    };

    void stream();
    void poll();
  });
}
