import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { commonConfigShape } from '@rollwatch/core';
import { ensureElasticsearch, ensureKafka, type ElasticsearchServer, type KafkaServer } from '@rollwatch/testkit';
import { ALERTS_ENDPOINTS, endpointsFromOpenApi, INGEST_ENDPOINTS, type Endpoint } from '../fuzz/endpoints.js';
import { crashLoopEvents, runTag } from '../harness/events.js';
import { rawRequest } from '../harness/http.js';
import { FaultyReceiver } from '../harness/receiver.js';
import { REPO_ROOT, ServiceProcess, tempDir } from '../harness/service-process.js';
import { killAll, serviceProcess } from '../harness/stack.js';
import { waitFor } from '../harness/wait.js';

/**
 * Security properties of the three services as real processes: bearer auth on every
 * state-changing or data-revealing endpoint (401 / 403, read vs write token), HMAC on ingest's
 * receivers, rate limits on push, TLS/SASL settings in every config, and no secret value ever in
 * stdout/stderr, including on failures (wrong tokens, failing webhooks, bad config).
 */
const run = runTag();
const SECRETS = {
  write: `wtok-${run}-S3cr3tWrite`,
  read: `rtok-${run}-S3cr3tRead`,
  hmac: `hmac-${run}-S3cr3tHmac`,
  esPassword: `espw-${run}-S3cr3tEs`,
  kafkaPassword: `kfpw-${run}-S3cr3tKafka`,
  webhookKey: Buffer.from(`whk-${run}-S3cr3tWebhookKey!`).toString('base64'),
  slackPath: `T0000/B0000/slk${run}S3cr3tSlack`,
};
const WEBHOOK_SECRET = `whsec_${SECRETS.webhookKey}`;
/** Endpoints deliberately public: liveness/readiness probes, Prometheus scraping, the API description. */
const PUBLIC_PATHS = new Set(['/healthz', '/readyz', '/metrics', '/api/v1/openapi.json']);

function bearer(token: string | undefined): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}

describe('security: auth, signatures, rate limits, secrets hygiene', { timeout: 300_000 }, () => {
  let kafka: KafkaServer;
  let es: ElasticsearchServer;
  const receiver = new FaultyReceiver();
  const processes: ServiceProcess[] = [];
  let ingest: ServiceProcess;
  let detector: ServiceProcess;
  let alerts: ServiceProcess;

  before(async () => {
    [kafka, es] = await Promise.all([ensureKafka(), ensureElasticsearch()]);
    await receiver.up();
    receiver.mode = { kind: 'error', status: 500 }; // every notification and actuation fails: error paths get logged
    const backends = { kafkaBootstrap: kafka.bootstrap, elasticsearchUrl: es.url };
    // Every secret set, used or not, so any code path that prints config would leak one.
    const secretsDir = tempDir('secrets');
    const tokenFile = path.join(secretsDir, 'api-token');
    writeFileSync(tokenFile, `${SECRETS.write}\n`);
    const common = {
      ROLLWATCH_READ_TOKEN: SECRETS.read,
      ELASTICSEARCH_PASSWORD: SECRETS.esPassword,
      KAFKA_SASL_PASSWORD: SECRETS.kafkaPassword,
      KAFKA_SASL_USERNAME: 'rollwatch',
      LOG_LEVEL: 'debug',
    };
    ingest = serviceProcess('ingest', backends, run, { ...common, ROLLWATCH_API_TOKEN_FILE: tokenFile, INGEST_RECEIVER_HMAC_SECRET: SECRETS.hmac, INGEST_RATE_LIMIT: '40', INGEST_RATE_WINDOW_MS: '60000' });
    alerts = serviceProcess('alerts', backends, run, {
      ...common,
      ROLLWATCH_API_TOKEN: SECRETS.write,
      ALERTS_ACTUATOR: 'webhook',
      ALERTS_ACTUATOR_URL: `${receiver.url}/actuate`,
      ALERTS_ACTUATION_TARGETS: '*/*',
      ALERTS_WEBHOOK_URL: `${receiver.url}/notify`,
      ALERTS_WEBHOOK_SECRET: WEBHOOK_SECRET,
      ALERTS_SLACK_WEBHOOK_URL: `${receiver.url}/services/${SECRETS.slackPath}`,
      ALERTS_RETRY_MAX_ATTEMPTS: '2',
    });
    processes.push(ingest, alerts);
    await Promise.all([ingest.start(), alerts.start()]);
    detector = serviceProcess('detector', backends, run, { ...common, ROLLWATCH_API_TOKEN: SECRETS.write });
    processes.push(detector);
    await detector.start();
    await Promise.all(processes.map((p) => p.ready(90_000)));
  });

  after(async () => {
    await killAll(processes);
    await receiver.down();
    await kafka?.stop();
    await es?.stop();
  });

  async function allEndpoints(): Promise<Endpoint[]> {
    const doc = (await rawRequest(detector.url, 'GET', '/api/v1/openapi.json')).json as { paths?: Record<string, Record<string, unknown>> };
    const stream: Endpoint = { service: 'detector', method: 'GET', path: '/api/v1/stream', body: 'none' };
    return [...INGEST_ENDPOINTS, ...ALERTS_ENDPOINTS, ...endpointsFromOpenApi(doc), stream].filter((e) => !PUBLIC_PATHS.has(e.path));
  }

  const urlOf = (e: Endpoint): string => ({ ingest, detector, alerts })[e.service].url;
  const pathOf = (e: Endpoint): string => e.path.replace('{id}', `sec-${run}`);

  it('every non-public endpoint: 401 without a token, 403 with a wrong one', async () => {
    const endpoints = await allEndpoints();
    for (const e of endpoints) {
      const body = e.body === 'none' ? undefined : '{}';
      const headers = { 'content-type': 'application/json' };
      const none = await rawRequest(urlOf(e), e.method, pathOf(e), { body, headers });
      assert.equal(none.status, 401, `${e.service} ${e.method} ${e.path} without token → ${none.status} ${none.text.slice(0, 200)}`);
      assert.equal((none.json as { field?: string }).field, 'authorization');
      const wrong = await rawRequest(urlOf(e), e.method, pathOf(e), { body, headers: { ...headers, ...bearer('not-the-token') } });
      assert.equal(wrong.status, 403, `${e.service} ${e.method} ${e.path} wrong token → ${wrong.status}`);
    }
    console.log(`# auth enforced on ${endpoints.length} endpoints`);
  });

  it('the read token can GET but not change anything; the write token can do both', async () => {
    for (const e of await allEndpoints()) {
      const body = e.body === 'none' ? undefined : '{}';
      const headers = { 'content-type': 'application/json', ...bearer(SECRETS.read) };
      if (e.path === '/api/v1/stream') continue; // SSE never ends; its auth is covered above
      const asReader = await rawRequest(urlOf(e), e.method, pathOf(e), { body, headers });
      // Flagger's webhooks are POSTs that only ask for a decision (they change nothing), so the
      // detector lets the read token call them: Flagger can hold a token that cannot register rollouts.
      const readOnlyPost = e.path.startsWith('/api/v1/flagger/');
      if (e.method === 'GET' || readOnlyPost) assert.ok(asReader.status !== 401 && asReader.status !== 403, `read token refused on ${e.service} ${e.method} ${e.path}: ${asReader.status}`);
      else {
        assert.equal(asReader.status, 403, `read token allowed ${e.service} ${e.method} ${e.path}: ${asReader.status}`);
        // Receivers answer for any credential they do not accept (bearer or signature) without naming scopes.
        const receiver = e.path.startsWith('/api/v1/receivers/');
        assert.match((asReader.json as { error: string }).error, receiver ? /invalid bearer token/ : /lacks the "(push|operate|admin)" scope/);
      }
      const asWriter = await rawRequest(urlOf(e), e.method, pathOf(e), { body, headers: { ...headers, ...bearer(SECRETS.write) } });
      // (receivers then still ask for their HMAC signature: a 401 naming that header, not the token)
      const refused = (asWriter.status === 401 || asWriter.status === 403) && (asWriter.json as { field?: string }).field === 'authorization';
      assert.ok(!refused, `write token refused on ${e.service} ${e.method} ${e.path}: ${asWriter.status} ${asWriter.text.slice(0, 200)}`);
    }
  });

  it('ingest receivers take a bearer token or, instead, X-Rollwatch-Signature (401 missing, 403 wrong, 202 right)', async () => {
    const body = JSON.stringify({ version: '4', status: 'firing', receiver: 'rollwatch', alerts: [] });
    // Senders that can sign need no token: the signature alone authenticates them.
    const headers = { 'content-type': 'application/json' };
    for (const p of ['/api/v1/receivers/alertmanager', '/api/v1/receivers/kubernetes-event-exporter']) {
      const kubeBody = p.endsWith('exporter') ? JSON.stringify({ metadata: { name: 'x' }, reason: 'Pulled', involvedObject: { kind: 'Pod', name: 'p' } }) : body;
      const missing = await rawRequest(ingest.url, 'POST', p, { body: kubeBody, headers });
      assert.equal(missing.status, 401, `${p}: ${missing.text}`);
      const wrong = await rawRequest(ingest.url, 'POST', p, { body: kubeBody, headers: { ...headers, 'x-rollwatch-signature': `sha256=${createHmac('sha256', 'guess').update(kubeBody).digest('hex')}` } });
      assert.equal(wrong.status, 403, `${p}: ${wrong.text}`);
      const right = await rawRequest(ingest.url, 'POST', p, { body: kubeBody, headers: { ...headers, 'x-rollwatch-signature': `sha256=${createHmac('sha256', SECRETS.hmac).update(kubeBody).digest('hex')}` } });
      assert.equal(right.status, 202, `${p}: ${right.status} ${right.text}`);
      // Alertmanager and kubernetes-event-exporter cannot sign: a bearer token alone is enough.
      const withToken = await rawRequest(ingest.url, 'POST', p, { body: kubeBody, headers: { ...headers, ...bearer(SECRETS.write) } });
      assert.equal(withToken.status, 202, `${p}: ${withToken.status} ${withToken.text}`);
    }
  });

  it('a crash-looping canary reaches alerts, whose webhook/Slack/actuator all fail (error paths logged)', async () => {
    const rollout = `sec-${run}/checkout`;
    const push = await rawRequest(ingest.url, 'POST', '/api/v1/events', { body: JSON.stringify(crashLoopEvents(rollout)), headers: { 'content-type': 'application/json', ...bearer(SECRETS.write) } });
    assert.equal(push.status, 202, push.text);
    // (the shared Kafka may hold other runs' verdicts: only calls about this rollout count)
    const mine = () => receiver.calls.filter((c) => c.body.includes(rollout));
    await waitFor('alerts to try the failing receivers', () => mine().filter((c) => c.path.includes('/actuate')).length >= 2, { timeoutMs: 90_000 });
    await waitFor('Slack to be called (and fail)', () => mine().some((c) => c.path.includes(SECRETS.slackPath)), { timeoutMs: 30_000 });
    const signed = mine().find((c) => c.path.includes('/actuate'))!;
    assert.match(String(signed.headers['webhook-signature']), /^v1,/, 'actuator calls are signed');
  });

  it('push endpoints are rate limited: 429 with Retry-After', async () => {
    let limited: Awaited<ReturnType<typeof rawRequest>> | undefined;
    for (let i = 0; i < 60 && !limited; i++) {
      const r = await rawRequest(ingest.url, 'POST', '/api/v1/events', { body: '[]', headers: { 'content-type': 'application/json', ...bearer(SECRETS.write) } });
      if (r.status === 429) limited = r;
    }
    assert.ok(limited, 'no 429 within 60 requests at a limit of 40/min');
    assert.ok(Number(limited.headers['retry-after']) >= 1, `Retry-After: ${String(limited.headers['retry-after'])}`);
    assert.equal((limited.json as { field: string }).field, 'client');
  });

  it('TLS and SASL settings for Kafka and Elasticsearch exist in every service config', () => {
    for (const key of ['KAFKA_SSL', 'KAFKA_SSL_CA_FILE', 'KAFKA_SASL_MECHANISM', 'KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD', 'ELASTICSEARCH_USERNAME', 'ELASTICSEARCH_PASSWORD', 'ELASTICSEARCH_API_KEY', 'ELASTICSEARCH_CA_FILE']) {
      assert.ok(key in commonConfigShape, `core commonConfigShape lacks ${key}`);
    }
    for (const service of ['ingest', 'detector', 'alerts']) {
      const source = readFileSync(path.join(REPO_ROOT, 'services', service, 'src', 'config.ts'), 'utf8');
      assert.match(source, /\.\.\.commonConfigShape/, `${service} config does not merge commonConfigShape`);
    }
  });

  it('bad security config fails fast, naming the variable and not echoing its value', async () => {
    const bad = new ServiceProcess({ name: 'alerts', env: { KAFKA_SASL_MECHANISM: 'gssapi', KAFKA_SASL_PASSWORD: SECRETS.kafkaPassword, ALERTS_WEBHOOK_SECRET: `nope-${SECRETS.hmac}` } });
    processes.push(bad);
    await assert.rejects(bad.start(15_000), /exited/);
    assert.match(bad.output(), /KAFKA_SASL_MECHANISM|ALERTS_WEBHOOK_SECRET/);
  });

  it('no secret value appears in any stdout/stderr line of any service', () => {
    const values = [...Object.values(SECRETS), WEBHOOK_SECRET];
    for (const p of processes) {
      const output = p.output();
      assert.ok(output.length > 0, `${p.name} logged nothing`);
      for (const secret of values) {
        const at = output.indexOf(secret);
        assert.equal(at, -1, `${p.name} leaked a secret: …${output.slice(Math.max(0, at - 200), at + secret.length + 50)}…`);
      }
    }
    console.log(`# grepped ${processes.reduce((n, p) => n + p.output().length, 0)} bytes of service output for ${values.length} secrets: none found`);
  });
});
