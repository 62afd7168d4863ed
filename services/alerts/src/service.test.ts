import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Webhook } from 'standardwebhooks';
import { actionRecordSchema, createLogger, dlqEnvelopeSchema, createRegistry, INDICES, MemoryBus, MemoryStore, TOPICS, verdictSchema, type ConsumedMessage, type Verdict } from '@rollwatch/core';
import type { ActionDoc } from './exactly-once/audit.js';
import { createAlerts, type AlertsService } from './service.js';
import { config, TEST_SECRET, verdict } from './testing/fixtures.js';
import { eventually, TestReceiver } from './testing/receiver.js';

interface Harness {
  service: AlertsService;
  bus: MemoryBus;
  store: MemoryStore;
  url: string;
  registry: ReturnType<typeof createRegistry>;
  published: (topic: string) => ConsumedMessage[];
  close: () => Promise<void>;
}

const slack = new TestReceiver();
const actuatorHook = new TestReceiver();
const running: Harness[] = [];

async function harness(overrides: Record<string, unknown> = {}, hooks?: Parameters<typeof createAlerts>[0]['hooks'], shared?: { bus: MemoryBus; store: MemoryStore }): Promise<Harness> {
  const bus = shared?.bus ?? new MemoryBus(2);
  const store = shared?.store ?? new MemoryStore();
  const registry = createRegistry('alerts');
  const cfg = config({
    ALERTS_SLACK_WEBHOOK_URL: `${slack.url}/services/T/B/X`,
    ALERTS_ACTUATOR: 'webhook',
    ALERTS_ACTUATOR_URL: `${actuatorHook.url}/rollback`,
    // Webhook targets have no namespace (unless ALERTS_K8S_NAMESPACE names one): `*` matches it.
    ALERTS_ACTUATION_TARGETS: '*/*',
    ALERTS_WEBHOOK_SECRET: TEST_SECRET,
    ALERTS_RETRY_INITIAL_DELAY_MS: 5,
    ALERTS_RETRY_MAX_DELAY_MS: 20,
    ALERTS_RETRY_MAX_ATTEMPTS: 3,
    ALERTS_HTTP_TIMEOUT_MS: 500,
    ...overrides,
  });
  const service = createAlerts({ config: cfg, bus, store, logger: createLogger('alerts', 'silent'), registry, hooks });
  const { port } = await service.start();
  const seen = new Map<string, ConsumedMessage[]>();
  const observers: { stop(): Promise<void> }[] = [];
  for (const topic of [TOPICS.actions, TOPICS.dlq, TOPICS.verdicts]) {
    seen.set(topic, []);
    observers.push(await bus.subscribe({ topics: [topic], groupId: `test-observer-${topic}-${Math.random()}`, fromBeginning: true, handler: async (batch) => void seen.get(topic)!.push(...batch) }));
  }
  const close = async (): Promise<void> => {
    await service.stop();
    await Promise.all(observers.map((o) => o.stop()));
  };
  const h = { service, bus, store, url: `http://127.0.0.1:${port}`, registry, published: (t: string) => seen.get(t)!, close };
  running.push(h);
  return h;
}

function publish(h: Harness, v: Verdict): Promise<void> {
  return h.bus.publish(TOPICS.verdicts, [{ key: v.rollout, value: JSON.stringify(v) }]);
}

async function docs(h: Harness, rollout: string): Promise<ActionDoc[]> {
  return (await h.store.search(INDICES.actions, { filters: { rollout }, size: 100 })).hits as ActionDoc[];
}

async function call(h: Harness, method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; json: any }> /* eslint-disable-line @typescript-eslint/no-explicit-any -- test responses are asserted field by field */ {
  const response = await fetch(`${h.url}${path}`, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, json: await response.json().catch(() => null) };
}

describe('alerts service (embedded bus and store)', () => {
  before(async () => {
    await slack.start();
    await actuatorHook.start();
  });
  afterEach(async () => {
    for (const h of running.splice(0)) await h.close();
    slack.requests.length = 0;
    actuatorHook.requests.length = 0;
    slack.defaultReply = actuatorHook.defaultReply = { status: 200, body: 'ok' };
  });
  after(async () => {
    await slack.stop();
    await actuatorHook.stop();
  });

  it('one no-go verdict → one signed rollback call, one Slack no-go, a resolve after the rollback, all audited', async () => {
    const h = await harness();
    const v = verdict({ rollout: 'r1', sequence: 3 });
    await publish(h, v);
    await publish(h, verdict({ rollout: 'r1', sequence: 4 })); // same decision: no new transition
    await eventually('two Slack messages', () => slack.requests.length >= 2);
    await eventually('audit', async () => (await docs(h, 'r1')).length === 3 && (await docs(h, 'r1')).every((d) => d.status === 'succeeded'));
    assert.equal(actuatorHook.requests.length, 1);
    const rollback = actuatorHook.requests[0]!;
    const body = new Webhook(TEST_SECRET).verify(rollback.body, rollback.headers as Record<string, string>) as { action: string; sequence: number };
    assert.equal(body.action, 'rollback');
    assert.equal(body.sequence, 3);
    const texts = slack.requests.map((r) => JSON.parse(r.body).text as string);
    assert.equal(texts.filter((t) => t.includes('NO-GO')).length, 1);
    assert.equal(texts.filter((t) => t.includes('Resolved')).length, 1);
    const all = await docs(h, 'r1');
    assert.deepEqual(all.map((d) => `${d.kind} ${d.target}`).sort(), ['notify notifier:slack', 'resolve notifier:slack', 'rollback actuator:webhook']);
    assert.equal(all.find((d) => d.kind === 'rollback')!.responseCode, 200);
    await eventually('action records on rollwatch.actions', () => h.published(TOPICS.actions).length === 3);
    for (const m of h.published(TOPICS.actions)) actionRecordSchema.parse(JSON.parse(m.value));
    const metrics = await h.registry.metrics();
    const line = (name: string) => metrics.split('\n').find((l) => l.startsWith(name) && l.includes('target="actuator:webhook"') && l.includes('kind="rollback"'));
    assert.match(line('rollwatch_alerts_actions_total{') ?? '', /status="succeeded".*\} 1$/);
    assert.match(line('rollwatch_alerts_action_latency_seconds_count{') ?? '', /\} 1$/);
  });

  it('a crash after the intent is recorded: the redelivered verdict acts exactly once', async () => {
    let crashes = 0;
    const h = await harness({}, {
      afterIntent: (doc) => {
        if (doc.kind === 'rollback' && crashes++ === 0) throw new Error('simulated crash between intent and action');
      },
    });
    await publish(h, verdict({ rollout: 'r2', sequence: 1 }));
    await eventually('rollback recorded', async () => (await docs(h, 'r2')).find((d) => d.kind === 'rollback')?.status === 'succeeded');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(crashes, 2, 'the redelivered batch reached the intent again');
    assert.equal(actuatorHook.requests.length, 1, 'exactly one rollback call');
    assert.equal(slack.requests.filter((r) => JSON.parse(r.body).text.includes('NO-GO')).length, 1, 'exactly one no-go message');
  });

  it('receiver down → retries → dead-lettered + DLQ → replay delivers', async () => {
    actuatorHook.defaultReply = { status: 503, body: 'down' };
    const h = await harness();
    await publish(h, verdict({ rollout: 'r3', sequence: 1 }));
    await eventually('dead-lettered', async () => (await docs(h, 'r3')).find((d) => d.kind === 'rollback')?.status === 'dead-lettered');
    assert.equal(actuatorHook.requests.length, 3, 'ALERTS_RETRY_MAX_ATTEMPTS attempts');
    await eventually('DLQ message', () => h.published(TOPICS.dlq).length === 1);
    const dlq = JSON.parse(h.published(TOPICS.dlq)[0]!.value);
    assert.equal(dlqEnvelopeSchema.parse(dlq).type, 'rollwatch.dlq.action.v1', 'the one DLQ envelope');
    assert.equal(dlq.attempts, 3);
    assert.equal(dlq.action.kind, 'rollback');
    assert.match(dlq.error, /HTTP 503/);
    await eventually('dlq gauge', async () => /rollwatch_alerts_dlq_depth\{service="alerts"\} 1/.test(await h.registry.metrics()));

    actuatorHook.defaultReply = { status: 200, body: 'ok' };
    const replay = await call(h, 'POST', '/api/v1/dlq/replay', {});
    assert.equal(replay.status, 200);
    assert.equal(replay.json.succeeded, 1);
    const rollback = (await docs(h, 'r3')).find((d) => d.kind === 'rollback')!;
    assert.equal(rollback.status, 'succeeded');
    assert.equal(rollback.attempts, 4);
    const ids = new Set(actuatorHook.requests.map((r) => r.headers['webhook-id']));
    assert.equal(ids.size, 1, 'the replay uses the same idempotency key');
    assert.equal((await call(h, 'POST', '/api/v1/dlq/replay', {})).json.replayed, 0, 'nothing left to replay');
  });

  it('an Argo Rollouts actuation without a namespace is refused, audited and dead-lettered, never sent to "default"', async () => {
    const h = await harness({ ALERTS_ACTUATOR: 'argo-rollouts', ALERTS_K8S_API_URL: actuatorHook.url });
    await publish(h, verdict({ rollout: 'prod/checkout@5b4a3c2d1', sequence: 1, labels: {} }));
    await eventually('refused rollback audited', async () => (await docs(h, 'prod/checkout@5b4a3c2d1')).find((d) => d.kind === 'rollback')?.status === 'dead-lettered');
    const rollback = (await docs(h, 'prod/checkout@5b4a3c2d1')).find((d) => d.kind === 'rollback')!;
    assert.match(String(rollback.error), /refused: no namespace for checkout/);
    assert.equal(rollback.attempts, 0);
    await eventually('DLQ message', () => h.published(TOPICS.dlq).length === 1);
    assert.match(JSON.parse(h.published(TOPICS.dlq)[0]!.value).error, /rollwatch never guesses one/);
    assert.equal(actuatorHook.requests.length, 0, 'nothing was patched');

    // With the namespace the detector learns from the Kubernetes events, the next revision is acted on.
    await publish(h, verdict({ rollout: 'prod/checkout@9e8f7a6b5', sequence: 1, labels: { 'rollwatch.io/namespace': 'prod', 'rollwatch.io/target': 'checkout' } }));
    await eventually('rollout patched', () => actuatorHook.requests.length >= 1);
    assert.match(actuatorHook.requests[0]!.path, /\/namespaces\/prod\/rollouts\/checkout/);
  });

  it('labels cannot choose the target: kube-system/coredns is refused, audited and dead-lettered; replay keeps refusing', async () => {
    const h = await harness({ ALERTS_ACTUATION_TARGETS: 'default/checkout*' });
    const evil = verdict({ rollout: 'evil-target', sequence: 1, labels: { 'rollwatch.io/namespace': 'kube-system', 'rollwatch.io/target': 'coredns' } });
    await publish(h, evil);
    await eventually('refusal audited', async () => (await docs(h, 'evil-target')).find((d) => d.kind === 'rollback')?.status === 'dead-lettered');
    const refused = (await docs(h, 'evil-target')).find((d) => d.kind === 'rollback')!;
    assert.match(String(refused.error), /refused: target kube-system\/coredns is not in ALERTS_ACTUATION_TARGETS/);
    assert.equal(refused.attempts, 0);
    await eventually('DLQ message', () => h.published(TOPICS.dlq).length === 1);
    assert.match(JSON.parse(h.published(TOPICS.dlq)[0]!.value).error, /kube-system\/coredns/);
    assert.equal(actuatorHook.requests.length, 0, 'the actuator was never called');
    assert.equal(slack.requests.length, 1, 'people are still told about the no-go');
    const replay = await call(h, 'POST', '/api/v1/dlq/replay', {});
    assert.equal(replay.json.succeeded, 0);
    assert.equal(actuatorHook.requests.length, 0, 'a replay re-checks the allow-list');
    // Labels may still *select* an allowed workload.
    await publish(h, verdict({ rollout: 'picks-allowed', sequence: 1, labels: { 'rollwatch.io/namespace': 'default', 'rollwatch.io/target': 'checkout-eu' } }));
    await eventually('allowed rollback', async () => (await docs(h, 'picks-allowed')).find((d) => d.kind === 'rollback')?.status === 'succeeded');
    assert.equal(actuatorHook.requests.length, 1);
  });

  it('no allow-list: the default route notifies and never actuates', async () => {
    const h = await harness({ ALERTS_ACTUATION_TARGETS: undefined });
    await publish(h, verdict({ rollout: 'r-off', sequence: 1 }));
    await eventually('notified', async () => (await docs(h, 'r-off')).some((d) => d.kind === 'notify' && d.status === 'succeeded'));
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual((await docs(h, 'r-off')).map((d) => d.kind), ['notify']);
    assert.equal(actuatorHook.requests.length, 0);
  });

  it('dry run records what would be done and sends nothing', async () => {
    const h = await harness({ ALERTS_DRY_RUN: 'true' });
    await publish(h, verdict({ rollout: 'r4', sequence: 1 }));
    await eventually('dry-run audit', async () => (await docs(h, 'r4')).length === 2);
    assert.ok((await docs(h, 'r4')).every((d) => d.status === 'dry-run'));
    assert.equal(slack.requests.length + actuatorHook.requests.length, 0);
  });

  it('state and silences survive a restart (same store)', async () => {
    const shared = { bus: new MemoryBus(2), store: new MemoryStore() };
    const first = await harness({}, undefined, shared);
    const created = await call(first, 'POST', '/api/v1/silences', { matchers: { rollout: 'quiet-*' }, duration: '1h', createdBy: 'ana', comment: 'load test' });
    assert.equal(created.status, 201);
    await publish(first, verdict({ rollout: 'r5', sequence: 1 }));
    await eventually('handled', async () => (await docs(first, 'r5')).length === 3);
    await first.close();
    running.splice(running.indexOf(first), 1);
    const second = await harness({}, undefined, shared);
    const listed = await call(second, 'GET', '/api/v1/silences');
    assert.deepEqual(listed.json.items.map((s: { id: string }) => s.id), [created.json.id]);
    await second.service.handleVerdict(verdict({ rollout: 'r5', sequence: 2 }));
    await second.service.handleVerdict(verdict({ rollout: 'quiet-1', sequence: 1 }));
    assert.equal(actuatorHook.requests.length, 1, 'no second rollback for r5, none for the silenced rollout');
    assert.ok((await docs(second, 'quiet-1')).every((d) => d.status === 'silenced'));
  });
});

describe('alerts API', () => {
  before(async () => {
    await slack.start();
    await actuatorHook.start();
  });
  afterEach(async () => {
    for (const h of running.splice(0)) await h.close();
  });
  after(async () => {
    await slack.stop();
    await actuatorHook.stop();
  });

  it('requires the bearer token: 401 without, 403 read-only on writes', async () => {
    const h = await harness({ ROLLWATCH_API_TOKEN: 'w-token', ROLLWATCH_READ_TOKEN: 'r-token' });
    assert.equal((await call(h, 'GET', '/api/v1/actions')).status, 401);
    assert.equal((await call(h, 'GET', '/api/v1/actions', undefined, 'r-token')).status, 200);
    assert.equal((await call(h, 'GET', '/api/v1/silences', undefined, 'nope')).status, 403);
    assert.equal((await call(h, 'POST', '/api/v1/dlq/replay', {}, 'r-token')).status, 403);
    assert.equal((await call(h, 'POST', '/api/v1/rollouts/x/override', { decision: 'go', reason: 'r', by: 'b' }, 'r-token')).status, 403);
    assert.equal((await call(h, 'DELETE', '/api/v1/silences/x', undefined)).status, 401);
    assert.equal((await call(h, 'POST', '/api/v1/dlq/replay', {}, 'w-token')).status, 200);
  });

  it('scopes: operate may silence and override but not replay the DLQ; admin may; push may do none', async () => {
    const h = await harness({ ROLLWATCH_PUSH_TOKEN: 'p-token', ROLLWATCH_OPERATE_TOKEN: 'o-token', ROLLWATCH_ADMIN_TOKEN: 'a-token' });
    const silence = { matchers: { rollout: 'x' }, duration: '1h', createdBy: 'ana', comment: 'c' };
    assert.equal((await call(h, 'POST', '/api/v1/silences', silence, 'p-token')).status, 403);
    assert.equal((await call(h, 'GET', '/api/v1/actions', undefined, 'p-token')).status, 403);
    assert.equal((await call(h, 'POST', '/api/v1/silences', silence, 'o-token')).status, 201);
    assert.equal((await call(h, 'POST', '/api/v1/dlq/replay', {}, 'o-token')).status, 403);
    assert.match((await call(h, 'POST', '/api/v1/dlq/replay', {}, 'o-token')).json.error, /"admin" scope/);
    assert.equal((await call(h, 'POST', '/api/v1/dlq/replay', {}, 'a-token')).status, 200);
    assert.equal((await call(h, 'POST', '/api/v1/silences', silence, 'a-token')).status, 201);
  });

  it('bad input is a 400 naming the field', async () => {
    const h = await harness();
    const cases: [string, string, unknown, string][] = [
      ['POST', '/api/v1/silences', { matchers: {}, duration: '1h', createdBy: 'a', comment: 'c' }, 'matchers'],
      ['POST', '/api/v1/silences', { matchers: { rollout: 'x' }, createdBy: 'a', comment: 'c' }, 'endsAt'],
      ['POST', '/api/v1/silences', { matchers: { rollout: 'x' }, duration: '1h', comment: 'c' }, 'createdBy'],
      ['POST', '/api/v1/silences', '{"matchers":', 'body'],
      ['POST', '/api/v1/dlq/replay', { limit: -1 }, 'limit'],
      ['GET', '/api/v1/actions?size=9999', undefined, 'size'],
    ];
    for (const [method, path, body, field] of cases) {
      const response = await call(h, method, path, body);
      assert.equal(response.status, 400, `${method} ${path} ${JSON.stringify(body)}`);
      assert.equal(response.json.field, field, JSON.stringify(response.json));
    }
    assert.equal((await call(h, 'DELETE', '/api/v1/silences/missing')).status, 404);
  });

  it('silences: create, list, expire via DELETE', async () => {
    const h = await harness();
    const created = await call(h, 'POST', '/api/v1/silences', { matchers: { service: 'checkout', labels: { env: 'prod' } }, endsAt: new Date(Date.now() + 3_600_000).toISOString(), createdBy: 'ana', comment: 'maintenance' });
    assert.equal(created.status, 201);
    assert.equal((await call(h, 'GET', '/api/v1/silences')).json.items[0].state, 'active');
    const deleted = await call(h, 'DELETE', `/api/v1/silences/${created.json.id}`);
    assert.equal(deleted.status, 200);
    assert.ok(deleted.json.expiredAt);
    assert.equal((await call(h, 'GET', '/api/v1/silences')).json.items.length, 0);
    assert.equal((await call(h, 'GET', '/api/v1/silences?state=all')).json.items[0].state, 'expired');
  });

  it('actions: filter by rollout, paginated, newest first', async () => {
    const h = await harness({ ALERTS_DRY_RUN: 'true' });
    for (let i = 0; i < 3; i++) await h.service.handleVerdict(verdict({ rollout: `page-${i}`, sequence: 1 }));
    const page = await call(h, 'GET', '/api/v1/actions?size=2&from=0');
    assert.equal(page.json.total, 6);
    assert.equal(page.json.items.length, 2);
    assert.equal(page.json.items[0].payload, undefined, 'the replay payload stays internal');
    const one = await call(h, 'GET', '/api/v1/actions?rollout=page-1');
    assert.equal(one.json.total, 2);
    assert.ok(one.json.items.every((d: ActionDoc) => d.rollout === 'page-1'));
  });

  it('override: a forced verdict (numbered by the detector) acts and is audited with who and why, once; alerts publishes no verdicts', async () => {
    const h = await harness({ ALERTS_ON_NO_GO: 'pause' });
    await publish(h, verdict({ rollout: 'ovr', decision: 'go', sequence: 5, labels: { team: 'payments' } }));
    const forced = verdict({ rollout: 'ovr', decision: 'no-go', sequence: 6, labels: { team: 'payments' }, overridden: { by: 'ana', reason: 'customers report errors', at: new Date().toISOString() } });
    await publish(h, forced);
    await eventually('forced no-go paused the rollout', async () => (await docs(h, 'ovr')).some((d) => d.kind === 'pause' && d.status === 'succeeded'));
    await publish(h, verdict({ rollout: 'ovr', decision: 'go', sequence: 7, overridden: { by: 'bo', reason: 'false alarm', at: new Date().toISOString() } }));
    await eventually('forced go resumed it', async () => (await docs(h, 'ovr')).some((d) => d.kind === 'resume' && d.status === 'succeeded'));
    // A redelivered override is stale: no second pause, no second audit record.
    await h.service.handleVerdict(forced);
    assert.equal((await docs(h, 'ovr')).filter((d) => d.kind === 'pause').length, 1);
    const overrides = (await docs(h, 'ovr')).filter((d) => d.kind === 'override');
    assert.deepEqual(overrides.map((d) => [d.by, d.verdictSequence, d.status]).sort(), [['ana', 6, 'succeeded'], ['bo', 7, 'succeeded']]);
    await eventually('override records on rollwatch.actions', async () => h.published(TOPICS.actions).filter((m) => actionRecordSchema.parse(JSON.parse(m.value)).kind === 'override').length === 2);
    // One writer of verdicts: everything on the topic came from the test (the detector's role).
    assert.deepEqual(h.published(TOPICS.verdicts).map((m) => verdictSchema.parse(JSON.parse(m.value)).sequence), [5, 6, 7]);
    const moved = await call(h, 'POST', '/api/v1/rollouts/ovr/override', { decision: 'go', reason: 'r', by: 'b' });
    assert.equal(moved.status, 410);
    assert.match(moved.json.error, /detector/);
  });
});
