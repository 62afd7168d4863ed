import { existsSync, readFileSync } from 'node:fs';
import { Agent } from 'undici';
import type { AttemptResult } from '@rollwatch/core';
import { httpAttempt, type HttpResponse } from '../http/attempt.js';

export interface KubeClientOptions {
  /** API server base URL, e.g. https://10.0.0.1:443. */
  apiUrl: string;
  /** Bearer token file (re-read per request so projected, rotating tokens keep working). */
  tokenFile?: string;
  /** PEM CA of the API server; skipped when missing (plain http in tests, or a public CA). */
  caFile?: string;
  timeoutMs: number;
}

export const MERGE_PATCH = 'application/merge-patch+json';

/** Just enough of a Kubernetes client: authenticated JSON GET and merge-PATCH over fetch. */
export class KubeClient {
  private readonly dispatcher: Agent | undefined;

  constructor(private readonly options: KubeClientOptions) {
    this.dispatcher = options.caFile && existsSync(options.caFile) ? new Agent({ connect: { ca: readFileSync(options.caFile, 'utf8') } }) : undefined;
  }

  get(path: string, signal?: AbortSignal): Promise<AttemptResult<HttpResponse>> {
    return this.request('GET', path, undefined, undefined, signal);
  }

  mergePatch(path: string, body: unknown, signal?: AbortSignal): Promise<AttemptResult<HttpResponse>> {
    return this.request('PATCH', path, MERGE_PATCH, JSON.stringify(body), signal);
  }

  private request(method: 'GET' | 'PATCH', path: string, contentType: string | undefined, body: string | undefined, signal?: AbortSignal): Promise<AttemptResult<HttpResponse>> {
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'rollwatch-alerts' };
    if (contentType) headers['content-type'] = contentType;
    const token = this.token();
    if (token) headers.authorization = `Bearer ${token}`;
    return httpAttempt({ url: `${this.options.apiUrl.replace(/\/+$/, '')}${path}`, method, headers, body, timeoutMs: this.options.timeoutMs, dispatcher: this.dispatcher, signal });
  }

  private token(): string | undefined {
    const file = this.options.tokenFile;
    if (!file || !existsSync(file)) return undefined;
    return readFileSync(file, 'utf8').trim() || undefined;
  }
}

/** The in-cluster API server URL when none is configured (undefined outside a pod). */
export function inClusterApiUrl(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const host = env.KUBERNETES_SERVICE_HOST;
  if (!host) return undefined;
  const port = env.KUBERNETES_SERVICE_PORT ?? '443';
  return `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

export const seg = encodeURIComponent;
