// HTTP access to the detector API (same origin). The bearer token, when the deployment sets one,
// comes from `?access_token=` on first load or the sign-in form and lives in sessionStorage only.
import type { VerdictBody } from '@rollwatch/contract';

const TOKEN_KEY = 'rollwatch.token';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export function captureTokenFromUrl(): void {
  const url = new URL(window.location.href);
  const token = url.searchParams.get('access_token');
  if (!token) return;
  sessionStorage.setItem(TOKEN_KEY, token);
  // Keep the token out of the address bar, history and screenshots.
  url.searchParams.delete('access_token');
  history.replaceState(history.state, '', url.pathname + url.search + url.hash);
}

export function token(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(value: string): void {
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
}

export async function api<T>(path: string, init: { method?: string; body?: unknown; signal?: AbortSignal } = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const t = token();
  if (t) headers.Authorization = `Bearer ${t}`;
  if (init.body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, { method: init.method ?? 'GET', headers, body: init.body === undefined ? undefined : JSON.stringify(init.body), signal: init.signal });
  const text = await res.text();
  let json: unknown = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    // A proxy's HTML error page: report the status below.
  }
  if (!res.ok) {
    const body = (json ?? {}) as { error?: string; field?: string };
    throw new ApiError(res.status, body.error ?? `${res.status} ${res.statusText}`, body.field);
  }
  return json as T;
}

export type StreamState = 'open' | 'connecting' | 'closed';

/**
 * Verdict changes over SSE. EventSource reconnects by itself (the server sends `retry:`), and the
 * server replays current verdicts on every (re)connect, so nothing is missed across a drop.
 */
export function verdictStream(onVerdict: (v: VerdictBody) => void, onState: (s: StreamState) => void, rollout?: string): () => void {
  const params = new URLSearchParams();
  if (rollout) params.set('rollout', rollout);
  const t = token();
  if (t) params.set('access_token', t);
  const qs = params.toString();
  const source = new EventSource(`/api/v1/stream${qs ? `?${qs}` : ''}`);
  source.addEventListener('open', () => onState('open'));
  source.addEventListener('error', () => onState(source.readyState === EventSource.CLOSED ? 'closed' : 'connecting'));
  source.addEventListener('verdict', (event) => {
    try {
      onVerdict(JSON.parse((event as MessageEvent<string>).data) as VerdictBody);
    } catch {
      // A malformed message must not stop the stream.
    }
  });
  return () => source.close();
}

export const enc = encodeURIComponent;
