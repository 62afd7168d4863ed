import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Webhook } from 'standardwebhooks';
import { createLogger, createRegistry, ElasticsearchStore, INDICES, KafkaBus, TOPICS, type Verdict } from '@rollwatch/core';
import { ensureElasticsearch, ensureKafka, startAlertmanager, type AlertmanagerServer, type ElasticsearchServer, type KafkaServer } from '@rollwatch/testkit';
import type { ActionDoc } from './exactly-once/audit.js';
import { createAlerts, type AlertsService } from './service.js';
import { TEST_SECRET, verdict } from './testing/fixtures.js';
import { eventually, TestReceiver } from './testing/receiver.js';

const RUN = randomUUID().slice(0, 8);
const PREFIX = `it-alerts-${RUN}-`;
const ROUTES = JSON.stringify({
  routes: [{ name: 'it', match: { rollout: `it-${RUN}-*` }, notifiers: ['slack', 'alertmanager'], actuators: ['webhook'], onNoGo: 'rollback', resolveOnRollback: false }],
});

let kafka: KafkaServer;
let es: ElasticsearchServer;
let alertmanager: AlertmanagerServer | undefined;
let amUrl: string;
const slack = new TestReceiver();
const deploy = new TestReceiver();
let publisher: KafkaBus;
let store: ElasticsearchStore;

function env(group: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    KAFKA_BROKERS: kafka.bootstrap,
    ELASTICSEARCH_URL: es.url,
    ALERTS_PORT: '0',
    ALERTS_HOST: '127.0.0.1',
    ALERTS_CONSUMER_GROUP: group,
    ALERTS_ROUTES: ROUTES,
    ALERTS_SLACK_WEBHOOK_URL: `${slack.url}/services/T/B/X`,
    ALERTS_ALERTMANAGER_URL: amUrl,
    ALERTS_ACTUATOR: 'webhook',
    ALERTS_ACTUATOR_URL: `${deploy.url}/rollback`,
    ALERTS_ACTUATION_TARGETS: '*/*',
    ALERTS_WEBHOOK_SECRET: TEST_SECRET,
    ALERTS_RETRY_INITIAL_DELAY_MS: '50',
    ALERTS_RETRY_MAX_DELAY_MS: '200',
    ALERTS_RETRY_MAX_ATTEMPTS: '4',
    ALERTS_HTTP_TIMEOUT_MS: '1000',
    LOG_LEVEL: 'warn',
    ...extra,
  };
}

async function startInProcess(group: string, extra: Record<string, string> = {}): Promise<{ service: AlertsService; url: string; bus: KafkaBus }> {
  const { loadConfig } = await import('@rollwatch/core');
  const { alertsConfigSchema } = await import('./config.js');
  const config = loadConfig(alertsConfigSchema, { env: env(group, extra) });
  const logger = createLogger('alerts-it', 'warn');
  const bus = new KafkaBus({ brokers: kafka.brokers, clientId: `alerts-it-${group}`, partitions: 2 });
  const service = createAlerts({ config, bus, store, logger, registry: createRegistry('alerts') });
  const { port } = await service.start();
  return { service, url: `http://127.0.0.1:${port}`, bus };
}

async function publishVerdict(v: Verdict): Promise<number> {
  await publisher.publish(TOPICS.verdicts, [{ key: v.rollout, value: JSON.stringify(v) }]);
  return Date.now();
}

async function actionDocs(rollout: string): Promise<ActionDoc[]> {
  return (await store.search(INDICES.actions, { filters: { rollout }, size: 100 })).hits as ActionDoc[];
}

/** A verdict for a rollout no route matches: once its state is stored, the consumer is live. */
async function waitUntilConsuming(): Promise<void> {
  const probe = `probe-${randomUUID()}`;
  await publishVerdict(verdict({ rollout: probe, decision: 'go', sequence: 1 }));
  await eventually('the consumer to be live', async () => (await store.get('rollwatch-alerts-state', probe)) !== undefined, 90_000, 200);
}

const slackNoGo = (rollout: string) => slack.requests.filter((r) => (JSON.parse(r.body) as { text: string }).text.includes(`NO-GO: rollout ${rollout}`));
const rollbacks = (rollout: string) => deploy.requests.filter((r) => (JSON.parse(r.body) as { rollout: string }).rollout === rollout);

describe('alerts with real Kafka, Elasticsearch and Alertmanager', { timeout: 300_000 }, () => {
  before(async () => {
    [kafka, es] = await Promise.all([ensureKafka(), ensureElasticsearch()]);
    if (process.env.ALERTMANAGER_URL) amUrl = process.env.ALERTMANAGER_URL;
    else {
      alertmanager = await startAlertmanager();
      amUrl = alertmanager.url;
    }
    await slack.start();
    await deploy.start();
    publisher = new KafkaBus({ brokers: kafka.brokers, clientId: `alerts-it-publisher-${RUN}`, partitions: 2 });
    // As in production: no refresh per write (a wait_for refresh would add up to 1 s per action).
    store = new ElasticsearchStore({ url: es.url, prefix: PREFIX });
  });
  after(async () => {
    await publisher?.close();
    await store?.close();
    await slack.stop();
    await deploy.stop();
    await alertmanager?.stop();
    await kafka?.stop();
    await es?.stop();
  });

  it('one no-go verdict → exactly one signed rollback and one Slack message within a second, audited in ES, alert in Alertmanager; go resolves it', async () => {
    const { service, bus } = await startInProcess(`alerts-it-a-${RUN}`);
    try {
      await waitUntilConsuming();
      const rollout = `it-${RUN}-a`;
      const sentAt = await publishVerdict(verdict({ rollout, sequence: 1, evaluatedAt: new Date().toISOString() }));
      await publishVerdict(verdict({ rollout, sequence: 2 })); // same decision: no second transition
      await eventually('rollback + slack', () => rollbacks(rollout).length === 1 && slackNoGo(rollout).length === 1, 10_000);
      const rollbackLatency = rollbacks(rollout)[0]!.at - sentAt;
      const slackLatency = slackNoGo(rollout)[0]!.at - sentAt;
      console.log(`# latency verdict published → rollback webhook ${rollbackLatency} ms, → Slack ${slackLatency} ms`);
      assert.ok(rollbackLatency < 1000, `rollback took ${rollbackLatency} ms`);
      assert.ok(slackLatency < 1000, `slack took ${slackLatency} ms`);
      const call = rollbacks(rollout)[0]!;
      assert.equal((new Webhook(TEST_SECRET).verify(call.body, call.headers as Record<string, string>) as { action: string }).action, 'rollback');

      await eventually('audit in ES', async () => (await actionDocs(rollout)).filter((d) => d.status === 'succeeded').length === 3, 10_000);
      const docs = await actionDocs(rollout);
      assert.deepEqual(docs.map((d) => `${d.kind} ${d.target} ${d.status}`).sort(), ['notify notifier:alertmanager succeeded', 'notify notifier:slack succeeded', 'rollback actuator:webhook succeeded']);
      assert.equal(docs.find((d) => d.kind === 'rollback')!.responseCode, 200);

      const active = async () => {
        const response = await fetch(`${amUrl}/api/v2/alerts?filter=${encodeURIComponent(`rollout="${rollout}"`)}`);
        return (await response.json()) as { labels: Record<string, string>; endsAt: string; status: { state: string } }[];
      };
      const alerts = await eventually('the alert in Alertmanager', async () => { const list = await active(); return list.length === 1 ? list : undefined; }, 10_000);
      const alert = alerts![0];
      assert.deepEqual({ ...alert!.labels }, { alertname: 'RollwatchNoGo', rollout, service: 'checkout', severity: 'critical', team: 'payments' });

      await publishVerdict(verdict({ rollout, sequence: 3, decision: 'go' }));
      await eventually('Alertmanager resolved the alert', async () => (await active()).every((a) => Date.parse(a.endsAt) <= Date.now()), 10_000);
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(rollbacks(rollout).length, 1);
      assert.equal(slackNoGo(rollout).length, 1);
    } finally {
      await service.stop();
      await bus.close();
    }
  });

  it('killed between recording the intent and acting: after a restart it acts exactly once', async () => {
    const group = `alerts-it-b-${RUN}`;
    const rollout = `it-${RUN}-b`;
    const dist = path.dirname(fileURLToPath(import.meta.url));
    const child = spawn(process.execPath, [path.join(dist, 'testing', 'crash-child.js')], { env: { ...process.env, ...env(group), IT_ES_PREFIX: PREFIX }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    await eventually('the child to start', () => out.includes('STARTED'), 60_000, 100);
    // The child's consumer joins, reads the verdict, records an intent and dies before acting.
    await publishVerdict(verdict({ rollout, sequence: 1 }));
    assert.equal(await exited, 'SIGKILL');
    assert.match(out, /INTENT /);
    const intents = (await eventually('the intent to be searchable', async () => { const d = await actionDocs(rollout); return d.length ? d : undefined; }, 5000))!;
    assert.ok(intents.length >= 1 && intents.every((d) => d.status === 'in-progress'), JSON.stringify(intents.map((d) => d.status)));
    assert.equal(rollbacks(rollout).length + slackNoGo(rollout).length, 0, 'nothing was sent before the kill');

    // Restart: the uncommitted verdict is redelivered (after the dead member's session times out).
    const restartedAt = Date.now();
    const { service, bus } = await startInProcess(group);
    try {
      await eventually('acted after restart', () => rollbacks(rollout).length === 1 && slackNoGo(rollout).length === 1, 120_000, 100);
      console.log(`# restart → acted in ${Date.now() - restartedAt} ms (includes the Kafka session timeout of the killed member)`);
      await eventually('audit final', async () => (await actionDocs(rollout)).every((d) => d.status === 'succeeded') && (await actionDocs(rollout)).length === 3, 10_000);
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal(rollbacks(rollout).length, 1, 'exactly one rollback call');
      assert.equal(slackNoGo(rollout).length, 1, 'exactly one Slack message');
    } finally {
      await service.stop();
      await bus.close();
    }
  });

  it('receiver down → retries → DLQ on Kafka → POST /api/v1/dlq/replay delivers', async () => {
    const rollout = `it-${RUN}-c`;
    const failing = new Set<string>();
    deploy.handler = (req) => {
      const body = JSON.parse(req.body) as { rollout: string };
      return failing.has(body.rollout) ? { status: 503, body: 'deploy system down' } : undefined;
    };
    failing.add(rollout);
    const dlqSeen: string[] = [];
    const dlqBus = new KafkaBus({ brokers: kafka.brokers, clientId: `alerts-it-dlq-${RUN}` });
    const dlqSub = await dlqBus.subscribe({ topics: [TOPICS.dlq], groupId: `alerts-it-dlq-${RUN}`, fromBeginning: true, handler: async (batch) => void dlqSeen.push(...batch.map((m) => m.value)) });
    const { service, url, bus } = await startInProcess(`alerts-it-c-${RUN}`);
    try {
      await waitUntilConsuming();
      await publishVerdict(verdict({ rollout, sequence: 1 }));
      await eventually('dead-lettered', async () => (await actionDocs(rollout)).find((d) => d.kind === 'rollback')?.status === 'dead-lettered', 30_000);
      assert.equal(rollbacks(rollout).length, 4, 'ALERTS_RETRY_MAX_ATTEMPTS attempts');
      const dlq = await eventually('the DLQ message', () => dlqSeen.map((v) => JSON.parse(v) as { action?: { verdict: { rollout: string } }; attempts: number; error: string }).find((m) => m.action?.verdict.rollout === rollout), 30_000);
      assert.equal(dlq!.attempts, 4);
      assert.match(dlq!.error, /HTTP 503/);

      failing.delete(rollout);
      const response = await fetch(`${url}/api/v1/dlq/replay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rollout }) });
      const body = (await response.json()) as { replayed: number; succeeded: number };
      assert.deepEqual({ status: response.status, replayed: body.replayed, succeeded: body.succeeded }, { status: 200, replayed: 1, succeeded: 1 });
      assert.equal(rollbacks(rollout).length, 5);
      assert.equal(new Set(rollbacks(rollout).map((r) => r.headers['webhook-id'])).size, 1, 'one idempotency key throughout');
      const dead = (await actionDocs(rollout)).find((d) => d.kind === 'rollback')!;
      const doc = (await store.get(INDICES.actions, dead.id)) as ActionDoc; // real-time read
      assert.equal(doc.status, 'succeeded');
      assert.equal(doc.attempts, 5);
    } finally {
      deploy.handler = undefined;
      await service.stop();
      await bus.close();
      await dlqSub.stop();
      await dlqBus.close();
    }
  });
});
