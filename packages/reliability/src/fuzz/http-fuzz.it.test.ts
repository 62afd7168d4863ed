import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { TOPICS } from '@rollwatch/core';
import { ensureElasticsearch, ensureKafka, type ElasticsearchServer, type KafkaServer } from '@rollwatch/testkit';
import { KafkaProbe } from '../harness/kafka.js';
import { REPO_ROOT, type ServiceProcess } from '../harness/service-process.js';
import { killAll, serviceProcess } from '../harness/stack.js';
import { runTag } from '../harness/events.js';
import { waitFor } from '../harness/wait.js';
import { rawRequest, type RawAnswer } from '../harness/http.js';
import { deeplyNested, malformedJsonText, mutatedEvent, validEvent } from './arbitraries.js';
import { ALERTS_ENDPOINTS, commonEndpoints, declaredRoutes, endpointsFromOpenApi, INGEST_ENDPOINTS, type Endpoint } from './endpoints.js';

/**
 * Property-based fuzzing of EVERY HTTP endpoint of ingest, detector and alerts, each a real
 * process on real Kafka + Elasticsearch: hostile bodies, content types, path and query values.
 * Invariants: never 5xx, errors are JSON naming a field, the process never dies, and ingest never
 * writes partially (what reached Kafka equals the sum of `accepted` of the 202 answers).
 */
const WRITE = 'fuzz-write-token-0123456789';
const RUNS = Number(process.env.ROLLWATCH_FUZZ_HTTP_RUNS ?? 25);

type Answer = RawAnswer;

function send(base: string, method: string, pathAndQuery: string, init: { body?: string | Buffer; contentType?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  const headers = { authorization: `Bearer ${WRITE}`, ...(init.contentType ? { 'content-type': init.contentType } : {}), ...init.headers };
  // Generous: the shared 2-core CI machine can be saturated; a real hang still fails.
  return rawRequest(base, method, pathAndQuery, { body: init.body, headers, timeoutMs: 60_000 });
}

const contentTypes = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'application/x-ndjson',
  'application/cloudevents+json',
  'application/cloudevents-batch+json',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json; charset=utf-16',
  '',
);

/** Bodies: malformed text, arbitrary JSON, mutated events (single, array, NDJSON), valid events. */
const bodies = fc.oneof(
  malformedJsonText,
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  mutatedEvent.map((e) => JSON.stringify(e)),
  fc.array(mutatedEvent, { maxLength: 5 }).map((a) => JSON.stringify(a)),
  fc.array(fc.oneof(mutatedEvent.map((e) => JSON.stringify(e)), malformedJsonText), { minLength: 2, maxLength: 5 }).map((lines) => lines.join('\n')),
  fc.array(validEvent, { minLength: 1, maxLength: 4 }).map((a) => JSON.stringify(a)),
  fc.record({ status: fc.string(), alerts: fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 3 }), version: fc.constantFrom('4', 4, undefined) }).map((v) => JSON.stringify(v)),
);

const pathValues = fc.oneof(
  fc.string({ minLength: 1, maxLength: 40 }),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }),
  fc.constantFrom('..', '%2e%2e', 'a/b', '%00', 'x'.repeat(2000), '__proto__', '*', '?', '#', ' ', 'ns%2Fname'),
);

const queryStrings = fc.oneof(
  fc.constant(''),
  fc.dictionary(fc.constantFrom('rollout', 'from', 'size', 'type', 'group', 'q', 'since', 'until', 'kind', 'status', 'state', 'level', 'sort', 'x'), fc.oneof(fc.string({ maxLength: 30 }), fc.integer().map(String), fc.constantFrom('-1', '1e9', 'NaN', '99999999999999999999', '')), { maxKeys: 4 }).map(
    (q) => '?' + new URLSearchParams(q).toString(),
  ),
  fc.constantFrom('?from=-1', '?size=0', '?size=100000', '?from=1e400', '?rollout[]=a&rollout[]=b', '?rollout[x]=1', '?%ZZ=1', '?since=not-a-date'),
);

function fill(endpointPath: string, value: string): string {
  // The raw value may already be percent-encoded on purpose (%2e%2e); encode anything else.
  return endpointPath.replace('{id}', /%[0-9A-Fa-f]{2}/.test(value) && /^[\x21-\x7e]+$/.test(value) ? value : encodeURIComponent(value));
}

function assertClientError(endpoint: Endpoint, request: string, answer: Answer): void {
  const what = `${endpoint.service} ${endpoint.method} ${request} → ${answer.status} ${answer.text.slice(0, 300)}`;
  assert.ok(answer.status < 500, `server error: ${what}`);
  if (answer.status >= 400) {
    assert.ok(answer.contentType.includes('application/json'), `error is not JSON: ${what}`);
    const body = answer.json as { error?: unknown; field?: unknown } | undefined;
    assert.equal(typeof body?.error, 'string', `error body has no "error" message: ${what}`);
    assert.ok((body!.error as string).length > 0, `empty error message: ${what}`);
  }
}

describe('HTTP fuzzing of every endpoint (real processes, Kafka, Elasticsearch)', { timeout: 600_000 }, () => {
  let kafka: KafkaServer;
  let es: ElasticsearchServer;
  let probe: KafkaProbe;
  const run = runTag();
  const services: Partial<Record<'ingest' | 'detector' | 'alerts', ServiceProcess>> = {};
  let ingestAccepted = 0;
  let eventsBefore = 0;

  before(async () => {
    [kafka, es] = await Promise.all([ensureKafka(), ensureElasticsearch()]);
    probe = new KafkaProbe(kafka.brokers);
    const backends = { kafkaBootstrap: kafka.bootstrap, elasticsearchUrl: es.url };
    const auth = { ROLLWATCH_API_TOKEN: WRITE, LOG_LEVEL: 'warn' };
    services.alerts = serviceProcess('alerts', backends, run, auth);
    services.ingest = serviceProcess('ingest', backends, run, { ...auth, INGEST_RATE_LIMIT: '0', INGEST_MAX_NEW_ROLLOUTS_PER_MINUTE: '0' });
    await Promise.all([services.alerts.start(), services.ingest.start()]);
    services.detector = serviceProcess('detector', backends, run, auth);
    await services.detector.start();
    await Promise.all(Object.values(services).map((s) => s.ready(90_000)));
    eventsBefore = await probe.messageCount(TOPICS.events);
  });

  after(async () => {
    await killAll(Object.values(services));
    await probe?.close();
    await kafka?.stop();
    await es?.stop();
  });

  it('the endpoint lists cover every route the services declare', async () => {
    const ingestRoutes = declaredRoutes(readFileSync(path.join(REPO_ROOT, 'services/ingest/src/http/routes.ts'), 'utf8'));
    for (const r of ingestRoutes) assert.ok(INGEST_ENDPOINTS.some((e) => e.method === r.method && e.path === r.path), `ingest route ${r.method} ${r.path} is not fuzzed`);
    const alertsRoutes = declaredRoutes(readFileSync(path.join(REPO_ROOT, 'services/alerts/src/api/router.ts'), 'utf8'));
    for (const r of alertsRoutes) assert.ok(ALERTS_ENDPOINTS.some((e) => e.method === r.method && e.path === `/api/v1${r.path}`), `alerts route ${r.method} ${r.path} is not fuzzed`);
  });

  it('fuzzes every endpoint: never 5xx, errors are JSON with a message', async () => {
    const detector = services.detector!;
    const doc = (await send(detector.url, 'GET', '/api/v1/openapi.json')).json as { paths?: Record<string, Record<string, unknown>> };
    const detectorEndpoints = endpointsFromOpenApi(doc);
    assert.ok(detectorEndpoints.length >= 10, `OpenAPI lists ${detectorEndpoints.length} operations`);
    const endpoints = [...INGEST_ENDPOINTS, ...ALERTS_ENDPOINTS, ...detectorEndpoints, ...(['ingest', 'detector', 'alerts'] as const).flatMap(commonEndpoints)];
    const counts: string[] = [];
    for (const endpoint of endpoints) {
      const base = services[endpoint.service]!.url;
      let requests = 0;
      await fc.assert(
        fc.asyncProperty(pathValues, queryStrings, bodies, contentTypes, async (id, query, body, contentType) => {
          const request = fill(endpoint.path, id) + query;
          const hasBody = endpoint.body !== 'none';
          const answer = await send(base, endpoint.method, request, hasBody ? { body, contentType } : {});
          requests++;
          if (endpoint.service === 'ingest' && endpoint.path === '/api/v1/events' && answer.status === 202) {
            ingestAccepted += (answer.json as { accepted: number }).accepted;
          }
          if (endpoint.service === 'ingest' && endpoint.path.startsWith('/api/v1/receivers/') && answer.status === 202) {
            ingestAccepted += (answer.json as { accepted: number }).accepted;
          }
          assertClientError(endpoint, request, answer);
        }),
        { numRuns: endpoint.body === 'none' ? Math.ceil(RUNS / 3) : RUNS, endOnFailure: true },
      );
      counts.push(`${endpoint.service} ${endpoint.method} ${endpoint.path}: ${requests}`);
    }
    console.log(`# fuzzed ${endpoints.length} endpoints:\n#   ${counts.join('\n#   ')}`);
  });

  it('huge bodies get 413, deep nesting and far-off times get 400; nothing written', async () => {
    const ingest = services.ingest!.url;
    const huge = Buffer.alloc(6 * 1024 * 1024, 'a');
    const bigEvents = await send(ingest, 'POST', '/api/v1/events', { body: huge, contentType: 'application/json' });
    assert.equal(bigEvents.status, 413, bigEvents.text);
    assert.equal((bigEvents.json as { field?: string }).field, 'body');
    for (const [service, p] of [['alerts', '/api/v1/silences'], ['detector', '/api/v1/rollouts'], ['detector', '/api/v1/flagger/gate']] as const) {
      const big = await send(services[service]!.url, 'POST', p, { body: `{"a":"${'x'.repeat(2 * 1024 * 1024)}"}`, contentType: 'application/json' });
      assert.equal(big.status, 413, `${service} ${p}: ${big.status} ${big.text.slice(0, 200)}`);
    }
    for (const kind of ['array', 'object'] as const) {
      const deep = await send(ingest, 'POST', '/api/v1/events', { body: deeplyNested(100_000, kind), contentType: 'application/json' });
      assert.ok(deep.status === 400, `deep ${kind}: ${deep.status} ${deep.text.slice(0, 200)}`);
      for (const [service, p] of [['alerts', '/api/v1/silences'], ['detector', '/api/v1/rollouts']] as const) {
        const r = await send(services[service]!.url, 'POST', p, { body: deeplyNested(50_000, kind), contentType: 'application/json' });
        assert.ok(r.status === 400 || r.status === 413, `${service} ${p} deep ${kind}: ${r.status} ${r.text.slice(0, 200)}`);
      }
    }
    const base = { rollout: `fuzz-${run}`, group: 'canary', type: 'container_start', instance: 'i-1' };
    for (const time of ['1970-01-01T00:00:00Z', '2999-01-01T00:00:00Z', 1_700_000_000, '0001-01-01T00:00:00Z']) {
      const r = await send(ingest, 'POST', '/api/v1/events', { body: JSON.stringify({ ...base, time }), contentType: 'application/json' });
      assert.equal(r.status, 400, `time ${time}: ${r.text}`);
      assert.equal((r.json as { field: string }).field, 'time');
    }
  });

  it('NDJSON with one bad line: 400 naming the line, and NOTHING of the batch is accepted', async () => {
    const ingest = services.ingest!.url;
    const now = new Date().toISOString();
    const good = (n: number) => JSON.stringify({ id: `fuzz-${run}-nd-${n}`, time: now, rollout: `fuzz-${run}`, group: 'canary', type: 'container_start', instance: `i-${n}` });
    const before = await probe.messageCount(TOPICS.events);
    const syntax = await send(ingest, 'POST', '/api/v1/events', { body: [good(1), good(2), '{"broken":', good(3)].join('\n'), contentType: 'application/x-ndjson' });
    assert.equal(syntax.status, 400, syntax.text);
    assert.match(JSON.stringify(syntax.json), /line 3/);
    const invalid = await send(ingest, 'POST', '/api/v1/events', { body: [good(4), JSON.stringify({ rollout: 'x', time: now }), good(5)].join('\n'), contentType: 'application/x-ndjson' });
    assert.equal(invalid.status, 400, invalid.text);
    assert.match((invalid.json as { error: string }).error, /nothing was accepted/);
    const errors = (invalid.json as { errors: { line?: number }[] }).errors;
    assert.ok(errors.some((e) => e.line === 2), `errors name line 2: ${invalid.text}`);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(await probe.messageCount(TOPICS.events), before, 'a rejected batch wrote nothing to Kafka');
    // The same lines without the bad one are accepted in full (and counted by the final check).
    const fixed = await send(ingest, 'POST', '/api/v1/events', { body: [good(1), good(2), good(3)].join('\n'), contentType: 'application/x-ndjson' });
    assert.equal(fixed.status, 202, fixed.text);
    assert.equal((fixed.json as { accepted: number }).accepted, 3);
    ingestAccepted += 3;
  });

  it('afterwards: every process is alive with /healthz 200, and Kafka holds exactly what ingest accepted', async () => {
    for (const service of Object.values(services)) {
      assert.deepEqual(service.crashes, [], `${service.name} crashed:\n${service.output().slice(-2000)}`);
      assert.equal((await rawRequest(service.url, 'GET', '/healthz')).status, 200, `${service.name} /healthz`);
    }
    const expected = eventsBefore + ingestAccepted;
    const reached = await waitFor('fuzzed events on rollwatch.events', async () => {
      const n = await probe.messageCount(TOPICS.events);
      return n >= expected ? n : undefined;
    }, { timeoutMs: 20_000 }).catch(async () => probe.messageCount(TOPICS.events));
    console.log(`# ingest accepted ${ingestAccepted} fuzzed event(s); rollwatch.events grew by ${reached - eventsBefore}`);
    assert.equal(reached, expected, 'no partial or silent writes: Kafka grew by exactly the accepted count');
  });
});
