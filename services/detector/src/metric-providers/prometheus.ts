import { parseRetryAfter, type AttemptResult } from '@rollwatch/core';
import type { MetricProvider, MetricQuery, MetricSample } from '@rollwatch/analysis';
import { renderPromQL } from './template.js';

export interface PrometheusProviderOptions {
  url: string;
  timeoutMs: number;
  /** Policy signal name → PromQL template with {{rollout}} / {{group}} / {{service}}. */
  queries: Record<string, string>;
  /** Extra headers, e.g. Authorization for a Prometheus behind a proxy. */
  headers?: Record<string, string>;
  fetch?: typeof fetch;
}

interface PrometheusResponse {
  status: 'success' | 'error';
  errorType?: string;
  error?: string;
  data?: { resultType: string; result: { metric: Record<string, string>; values?: [number, string][]; value?: [number, string] }[] };
}

/** A raw range query (already rendered PromQL). */
export interface PromRangeQuery {
  query: string;
  startMs: number;
  endMs: number;
  stepSeconds: number;
}

/** A series' instance: the label Prometheus/Kubernetes use, else undefined (one series per group). */
export function instanceOf(labels: Record<string, string>): string | undefined {
  return labels.instance ?? labels.pod ?? labels.container;
}

/** Parses a /api/v1/query_range body into samples (non-finite values, e.g. NaN from 0/0, dropped). */
export function parseRangeResponse(body: PrometheusResponse): AttemptResult<MetricSample[]> {
  if (body.status !== 'success' || !body.data) {
    return { status: 'failure', error: `prometheus error ${body.errorType ?? ''}: ${body.error ?? 'unexpected response'}`.trim() };
  }
  if (body.data.resultType !== 'matrix') {
    return { status: 'failure', error: `prometheus returned ${body.data.resultType}, expected matrix (is the query a range-capable expression?)` };
  }
  const samples: MetricSample[] = [];
  for (const series of body.data.result) {
    for (const [seconds, raw] of series.values ?? []) {
      const value = Number(raw);
      if (!Number.isFinite(value)) continue;
      const instance = instanceOf(series.metric);
      samples.push(instance !== undefined ? { instance, t: Math.round(seconds * 1000), value } : { t: Math.round(seconds * 1000), value });
    }
  }
  return { status: 'success', value: samples };
}

/** PromQL range queries against the Prometheus HTTP API (also Thanos, Mimir, VictoriaMetrics). */
export class PrometheusMetricProvider implements MetricProvider {
  readonly kind = 'prometheus';
  readonly signals: readonly string[];
  private readonly base: string;
  private readonly http: typeof fetch;

  constructor(private readonly options: PrometheusProviderOptions) {
    this.base = options.url.replace(/\/+$/, '');
    this.http = options.fetch ?? fetch;
    this.signals = Object.keys(options.queries);
  }

  /** The analysis MetricProvider contract: one signal, one group, one time range. */
  async fetch(query: MetricQuery, signal?: AbortSignal): Promise<AttemptResult<MetricSample[]>> {
    const template = this.options.queries[query.signal];
    if (template === undefined) return { status: 'failure', error: `no PromQL configured for signal "${query.signal}" (PROMETHEUS_QUERIES)` };
    const promql = renderPromQL(template, query.service !== undefined ? { rollout: query.rollout, group: query.group, service: query.service } : { rollout: query.rollout, group: query.group });
    return this.queryRange({ query: promql, startMs: query.startMs, endMs: query.endMs, stepSeconds: Math.max(1, Math.round(query.stepMs / 1000)) }, signal);
  }

  async queryRange(query: PromRangeQuery, signal?: AbortSignal): Promise<AttemptResult<MetricSample[]>> {
    const body = new URLSearchParams({
      query: query.query,
      start: (query.startMs / 1000).toFixed(3),
      end: (query.endMs / 1000).toFixed(3),
      step: String(query.stepSeconds),
    });
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    let response: Response;
    try {
      response = await this.http(`${this.base}/api/v1/query_range`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...this.options.headers },
        body,
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (error) {
      return { status: 'retryable', error: `prometheus unreachable: ${(error as Error).message}` };
    }
    const text = await response.text().catch(() => '');
    if (response.status === 429 || response.status >= 500) {
      const retryInMillis = parseRetryAfter(response.headers.get('retry-after'));
      return { status: 'retryable', error: `prometheus ${response.status}: ${text.slice(0, 300)}`, code: response.status, ...(retryInMillis !== undefined ? { retryInMillis } : {}) };
    }
    let parsed: PrometheusResponse;
    try {
      parsed = JSON.parse(text) as PrometheusResponse;
    } catch {
      return { status: 'failure', error: `prometheus ${response.status}: response is not JSON`, code: response.status };
    }
    // 400 (bad_data) and 422 (execution) carry a JSON error: the query itself is wrong, retrying won't help.
    const result = parseRangeResponse(parsed);
    return result.status === 'success' || response.ok ? result : { ...result, code: response.status };
  }
}
