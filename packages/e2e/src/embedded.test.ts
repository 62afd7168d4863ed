import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startServices, type RunningStack } from '@rollwatch/cli';

// Issue 3's "done when", in embedded mode: the same services as production, in one process.
let stack: RunningStack;
const env = { LOG_LEVEL: 'silent', INGEST_SPOOL_DIR: `/tmp/rollwatch-e2e-spool-${process.pid}` };
before(async () => {
  stack = await startServices({ env, ports: { ingest: 0, detector: 0, alerts: 0 } });
});
after(async () => {
  await stack?.stop();
});

const url = (service: 'ingest' | 'detector' | 'alerts', path: string) => `http://127.0.0.1:${stack.ports[service]}${path}`;

async function eventually<T>(fn: () => Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(50);
  }
}

test('embedded mode runs with no backends', () => {
  assert.equal(stack.bus.kind, 'memory');
  assert.equal(stack.store.kind, 'memory');
});

for (const service of ['ingest', 'detector', 'alerts'] as const) {
  test(`${service} serves /healthz, /readyz and Prometheus /metrics`, async () => {
    assert.equal((await fetch(url(service, '/healthz'))).status, 200);
    const ready = await fetch(url(service, '/readyz'));
    assert.equal(ready.status, 200, await ready.clone().text());
    const metrics = await fetch(url(service, '/metrics'));
    assert.match(metrics.headers.get('content-type') ?? '', /text\/plain/);
    assert.match(await metrics.text(), /# TYPE rollwatch_process_cpu_seconds_total counter/);
  });
}

test('an event POSTed to ingest (object, array, NDJSON) is accepted and its rollout is listed by the detector', async () => {
  const rollout = `embedded-${Date.now()}`;
  const event = { time: new Date().toISOString(), rollout, group: 'canary', type: 'container_restart', instance: 'pod-a', exitCode: 1 };
  const single = await fetch(url('ingest', '/api/v1/events'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(event) });
  assert.equal(single.status, 202);
  assert.deepEqual(await single.json(), { accepted: 1 });
  const array = await fetch(url('ingest', '/api/v1/events'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([{ ...event, group: 'baseline', instance: 'pod-b' }, { ...event, instance: 'pod-c' }]) });
  assert.deepEqual([array.status, await array.json()], [202, { accepted: 2 }]);
  const ndjson = [{ ...event, instance: 'pod-d' }, { ...event, instance: 'pod-e' }, { ...event, instance: 'pod-f' }].map((e) => JSON.stringify(e)).join('\n');
  const nd = await fetch(url('ingest', '/api/v1/events'), { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: ndjson });
  assert.deepEqual([nd.status, await nd.json()], [202, { accepted: 3 }]);

  const listed = await eventually(async () => {
    const body = (await (await fetch(url('detector', '/api/v1/rollouts'))).json()) as { total: number; items: { rollout: string; instances: { canary: number; baseline: number } }[] };
    return body.items.find((r) => r.rollout === rollout && r.instances.canary === 5 && r.instances.baseline === 1);
  });
  assert.equal(listed.rollout, rollout);
  const verdict = await fetch(url('detector', `/api/v1/rollouts/${rollout}/verdict`));
  assert.equal(verdict.status, 200);
  const body = (await verdict.json()) as { rollout: string; decision: string };
  assert.equal(body.rollout, rollout);
  assert.ok(['go', 'no-go', 'pending'].includes(body.decision));
});

test('a malformed event gets 400 with a JSON body naming the field', async () => {
  const res = await fetch(url('ingest', '/api/v1/events'), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ time: new Date().toISOString(), rollout: 'r', group: 'blue', type: 'container_restart', instance: 'i' }),
  });
  assert.equal(res.status, 400);
  assert.match(res.headers.get('content-type') ?? '', /json/);
  assert.match(JSON.stringify(await res.json()), /"field":"group"/);
  const broken = await fetch(url('ingest', '/api/v1/events'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"time": ' });
  assert.equal(broken.status, 400);
  assert.match(JSON.stringify(await broken.json()), /body|JSON/i);
});

test('a crash-looping, OOM-killed canary turns no-go within seconds, and the gate answers 409', async () => {
  const rollout = `crashloop-${Date.now()}`;
  const now = Date.now();
  const common = { rollout, service: 'checkout' };
  const events: Record<string, unknown>[] = [];
  for (const inst of ['b1', 'b2', 'b3']) events.push({ ...common, time: now - 60_000, group: 'baseline', type: 'container_start', instance: inst });
  events.push({ ...common, time: now - 60_000, group: 'canary', type: 'container_start', instance: 'c1' });
  for (let i = 0; i < 4; i++) {
    events.push({ ...common, time: now - 30_000 + i * 5000, group: 'canary', type: 'oom_killed', instance: 'c1', exitCode: 137 });
    events.push({ ...common, time: now - 30_000 + i * 5000 + 10, group: 'canary', type: 'container_restart', instance: 'c1', exitCode: 137 });
  }
  const started = Date.now();
  const res = await fetch(url('ingest', '/api/v1/events'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(events) });
  assert.equal(res.status, 202);
  const verdict = await eventually(async () => {
    const v = (await (await fetch(url('detector', `/api/v1/rollouts/${rollout}/verdict`))).json()) as { decision: string; reasons: { message: string }[] };
    return v.decision === 'no-go' ? v : undefined;
  }, 10_000);
  assert.ok(Date.now() - started < 10_000);
  assert.ok(verdict.reasons.length > 0);
  assert.match(JSON.stringify(verdict.reasons), /oom|crash|restart/i);
  assert.equal((await fetch(url('detector', `/api/v1/rollouts/${rollout}/gate`))).status, 409);
});

test('a person overriding a no-go through the detector API changes the verdict, and it sticks', async () => {
  const rollout = `override-${Date.now()}`;
  const now = Date.now();
  const oom = (i: number) => ({ rollout, time: now - 20_000 + i * 1000, group: 'canary', type: 'oom_killed', instance: 'c1', exitCode: 137 });
  await fetch(url('ingest', '/api/v1/events'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([{ rollout, time: now - 30_000, group: 'baseline', type: 'container_start', instance: 'b1' }, oom(0)]) });
  await eventually(async () => ((await fetch(url('detector', `/api/v1/rollouts/${rollout}/gate`))).status === 409 ? true : undefined), 10_000);
  const res = await fetch(url('detector', `/api/v1/rollouts/${rollout}/override`), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ decision: 'go', reason: 'known flaky OOM on the load-test pod', by: 'ana' }) });
  assert.ok(res.status === 202 || res.status === 200, `override answered ${res.status}: ${await res.clone().text()}`);
  const overridden = await eventually(async () => {
    const v = (await (await fetch(url('detector', `/api/v1/rollouts/${rollout}/verdict`))).json()) as { decision: string; overridden?: { by: string }; sequence: number };
    return v.decision === 'go' && v.overridden?.by === 'ana' ? v : undefined;
  }, 10_000);
  // More bad events do not flip a person's decision back.
  await fetch(url('ingest', '/api/v1/events'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([oom(1), oom(2)]) });
  await sleep(500);
  const after = (await (await fetch(url('detector', `/api/v1/rollouts/${rollout}/verdict`))).json()) as { decision: string; sequence: number; reasons: { signal: string }[] };
  assert.equal(after.decision, 'go');
  assert.ok(after.sequence >= overridden.sequence);
  assert.equal(after.reasons[0]!.signal, 'override');
  assert.equal((await fetch(url('detector', `/api/v1/rollouts/${rollout}/gate`))).status, 200);
});
