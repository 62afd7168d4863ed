import type { ServiceName } from '../harness/service-process.js';

/** One HTTP operation of a service, as the fuzzer sees it. `{id}` marks a path parameter. */
export interface Endpoint {
  service: ServiceName;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  path: string;
  /** Body parser family: decides which hostile bodies are interesting. */
  body: 'none' | 'json' | 'events' | 'receiver';
}

/**
 * Ingest and alerts have no OpenAPI document: their routes are listed here from
 * services/ingest/src/http/routes.ts and services/alerts/src/api/router.ts (the coverage test
 * fails when a route appears there that is missing here). The detector's come from its OpenAPI.
 */
export const INGEST_ENDPOINTS: Endpoint[] = [
  { service: 'ingest', method: 'POST', path: '/api/v1/events', body: 'events' },
  { service: 'ingest', method: 'POST', path: '/api/v1/receivers/alertmanager', body: 'receiver' },
  { service: 'ingest', method: 'POST', path: '/api/v1/receivers/kubernetes-event-exporter', body: 'receiver' },
  { service: 'ingest', method: 'GET', path: '/api/v1/sources', body: 'none' },
];

export const ALERTS_ENDPOINTS: Endpoint[] = [
  { service: 'alerts', method: 'GET', path: '/api/v1/actions', body: 'none' },
  { service: 'alerts', method: 'POST', path: '/api/v1/silences', body: 'json' },
  { service: 'alerts', method: 'GET', path: '/api/v1/silences', body: 'none' },
  { service: 'alerts', method: 'DELETE', path: '/api/v1/silences/{id}', body: 'none' },
  { service: 'alerts', method: 'POST', path: '/api/v1/dlq/replay', body: 'json' },
  { service: 'alerts', method: 'POST', path: '/api/v1/rollouts/{id}/override', body: 'json' },
];

/** Endpoints every service has (core's createServiceApp). */
export function commonEndpoints(service: ServiceName): Endpoint[] {
  return ['/healthz', '/readyz', '/metrics'].map((path) => ({ service, method: 'GET' as const, path, body: 'none' as const }));
}

/** The detector's operations from its OpenAPI 3.1 document (paths with `{param}` placeholders). */
export function endpointsFromOpenApi(doc: { paths?: Record<string, Record<string, unknown>> }): Endpoint[] {
  const out: Endpoint[] = [];
  for (const [path, operations] of Object.entries(doc.paths ?? {})) {
    for (const method of Object.keys(operations)) {
      const upper = method.toUpperCase();
      if (!['GET', 'POST', 'PUT', 'DELETE', 'PATCH'].includes(upper)) continue;
      // SSE never ends a response: it is probed separately (headers only).
      if (path.endsWith('/stream')) continue;
      out.push({ service: 'detector', method: upper as Endpoint['method'], path: path.replace(/\{[^}]+\}/g, '{id}'), body: upper === 'GET' || upper === 'DELETE' ? 'none' : 'json' });
    }
  }
  return out;
}

/** Route paths declared in an express router source file (`router.post('/x', ...)`), for coverage checks. */
export function declaredRoutes(source: string): { method: string; path: string }[] {
  const routes: { method: string; path: string }[] = [];
  const pattern = /\b(?:router|app)\.(get|post|put|delete|patch)\(\s*(?:\n\s*)?'([^']+)'/g;
  for (const match of source.matchAll(pattern)) routes.push({ method: match[1]!.toUpperCase(), path: match[2]!.replace(/:([A-Za-z]+)/g, '{id}') });
  return routes;
}
