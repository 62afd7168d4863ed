import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Express } from 'express';
import { startHarness } from '../testing/harness.js';
import { OPENAPI_DOCUMENT } from './openapi.js';
import { GATE_STATUS } from './rollouts.js';
import { FLAGGER_GATE_STATUS } from './flagger.js';

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  name?: string;
  /** Express 5: true for a router mounted without a path (its routes are absolute). */
  slash?: boolean;
  handle?: { stack?: Layer[] };
}

/** Every (method, path) the express app serves under /api/v1, in OpenAPI path syntax. */
function servedRoutes(app: Express): string[] {
  const routes: string[] = [];
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const method of Object.keys(layer.route.methods)) routes.push(`${method} ${prefix}${layer.route.path.replace(/[:*](\w+)/g, '{$1}')}`);
      } else if (layer.name === 'router' && layer.handle?.stack) {
        // API routers are mounted at /api/v1 (see http/app.ts); the dashboard router at / with absolute paths.
        walk(layer.handle.stack, layer.slash ? '' : '/api/v1');
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '');
  return routes.filter((r) => r.includes('/api/v1/'));
}

describe('OpenAPI document', () => {
  it('is served, parses as OpenAPI 3, and describes every API route', async () => {
    const h = await startHarness({ config: { ROLLWATCH_API_TOKEN: 'secret' } });
    try {
      const res = await fetch(`${h.url}/api/v1/openapi.json`);
      assert.equal(res.status, 200, 'the document itself needs no token');
      const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, unknown>>; components: { schemas: Record<string, unknown> } };
      assert.match(doc.openapi, /^3\./);
      assert.deepEqual(doc, JSON.parse(JSON.stringify(OPENAPI_DOCUMENT)));
      const served = servedRoutes(h.detector.app);
      assert.ok(served.length >= 15, served.join('\n'));
      for (const route of served) {
        const [method, path] = route.split(' ') as [string, string];
        assert.ok(doc.paths[path]?.[method], `OpenAPI lacks ${route}`);
      }
      for (const [path, ops] of Object.entries(doc.paths)) {
        for (const method of Object.keys(ops)) assert.ok(served.includes(`${method} ${path}`), `OpenAPI documents ${method} ${path}, which is not served`);
      }
      // Every $ref resolves.
      for (const match of JSON.stringify(doc).matchAll(/"#\/components\/schemas\/(\w+)"/g)) assert.ok(doc.components.schemas[match[1]!], match[1]);
    } finally {
      await h.close();
    }
  });

  it('documents the gate statuses the code answers: only go is 2xx, pending carries Retry-After', () => {
    const doc = JSON.parse(JSON.stringify(OPENAPI_DOCUMENT)) as { paths: Record<string, Record<string, { responses: Record<string, { headers?: Record<string, unknown> }> }>> };
    const gates: [string, string, Record<string, number>][] = [
      ['/api/v1/rollouts/{id}/gate', 'get', GATE_STATUS],
      ['/api/v1/flagger/gate', 'post', FLAGGER_GATE_STATUS],
    ];
    for (const [path, method, statuses] of gates) {
      const responses = doc.paths[path]![method]!.responses;
      for (const [decision, status] of Object.entries(statuses)) assert.ok(responses[String(status)], `${path}: ${decision} -> ${status} is documented`);
      assert.deepEqual(Object.keys(responses).filter((code) => code.startsWith('2')), ['200'], `${path}: 200 is the only success`);
      assert.equal(statuses.pending, 425);
      assert.ok(responses['425']!.headers?.['Retry-After'], `${path}: 425 documents Retry-After`);
    }
  });
});
