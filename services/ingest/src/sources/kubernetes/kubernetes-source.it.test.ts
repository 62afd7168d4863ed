import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { RollwatchError, createLogger } from '@rollwatch/core';
import type { SourceEvent } from '../interface.js';
import { resolveKubernetesSourceConfig } from './config.js';
import { KubernetesSource, createKubernetesSource } from './kubernetes-source.js';
import { CollectingSink } from './testing/collecting-sink.js';
import { FakeApiServer } from './testing/fake-apiserver.js';
import { bumped, crashLooping, node, pod, podEvent, restarted, rollout, withReady } from './testing/fixtures.js';
import { registerK3sSuite } from './testing/k3s-suite.js';
import type { KubeEvent, Pod } from './types.js';

// The whole source over real HTTP against a fake apiserver (there is no cluster here): list, watch
// streams, 410s, drops, backoff. Then the k3s variant (real Kubernetes) when a Docker engine exists.
const logger = createLogger('kubernetes-source-test', 'silent');
const BACKOFF_MS = 200;

let fake: FakeApiServer;
let source: KubernetesSource;
let sink: CollectingSink;
let checkout: Pod;

function start(overrides: Record<string, unknown> = {}): Promise<void> {
  const config = resolveKubernetesSourceConfig(
    { KUBECONFIG: fake.writeKubeconfig(), K8S_BACKOFF_INITIAL_MS: BACKOFF_MS, K8S_BACKOFF_MAX_MS: 2000, K8S_RESYNC_SECONDS: 0, ...overrides },
    {},
  );
  // random() = 1: the full-jitter backoff waits exactly its ceiling, so delays can be asserted.
  source = new KubernetesSource(config, logger, { random: () => 1 });
  sink = new CollectingSink();
  return source.start(sink).then(() => source.waitForSync());
}

const ids = (events: SourceEvent[]) => events.map((e) => e.id);
const restartsOf = (name: string) => sink.ofType('container_restart').filter((e) => e.instance === name);

function assertNoDuplicates(): void {
  const all = ids(sink.events);
  assert.deepEqual(all.filter((id, i) => all.indexOf(id) !== i), [], 'no event id delivered twice');
  assert.deepEqual(sink.invalid, [], 'every event is valid event schema v1');
}

describe('KubernetesSource against a fake apiserver', () => {
  beforeEach(async () => {
    fake = await FakeApiServer.start();
    fake.upsert('nodes', node('worker-1', { runtime: 'containerd://1.7.2', kernel: '6.1.0-18-amd64' }));
    fake.upsert('rollouts', rollout('payments', '5b4a3c2d1'));
    checkout = fake.upsert('pods', pod({ name: 'checkout-7d9f8c6b5-x2x9q', uid: 'pod-uid-checkout' })) as Pod;
  });

  afterEach(async () => {
    await source?.stop();
    await fake.close();
  });

  it('turns a restartCount increment into exactly one container_restart, with pod labels and node facts', async () => {
    await start();
    fake.upsert('pods', restarted(checkout, { exitCode: 137, reason: 'Error' }));
    await sink.waitFor(() => restartsOf('checkout-7d9f8c6b5-x2x9q').length >= 1);
    await sleep(150);
    const [restart, ...more] = restartsOf('checkout-7d9f8c6b5-x2x9q');
    assert.equal(more.length, 0);
    assert.equal(restart!.exitCode, 137);
    assert.equal(restart!.id, 'k8s:pod-uid-checkout:app:1:restart');
    assert.equal(restart!.host, 'worker-1');
    assert.equal(restart!.service, 'checkout');
    assert.deepEqual(
      { ...restart!.labels },
      {
        app: 'checkout',
        'pod-template-hash': '7d9f8c6b5',
        'k8s.namespace': 'shop',
        'k8s.pod': 'checkout-7d9f8c6b5-x2x9q',
        'k8s.pod-uid': 'pod-uid-checkout',
        'k8s.node': 'worker-1',
        'k8s.container': 'app',
        'k8s.restart-count': '1',
        'k8s.reason': 'Error',
        'rollwatch.io/workload': 'checkout',
        'rollwatch.io/revision': '7d9f8c6b5',
      },
    );
    assert.equal(restart!.hostAttributes?.kernel, '6.1.0-18-amd64');
    assert.equal(restart!.hostAttributes?.engineVersion, '1.7.2');
    assert.equal(restart!.hostAttributes?.containerdVersion, '1.7.2');
    assert.equal(restart!.hostAttributes?.['topology.kubernetes.io/zone'], 'eu-west-1a');
    assertNoDuplicates();
    const status = source.status();
    assert.equal(status.connected, true);
    assert.equal(status.name, 'kubernetes');
    assert.ok(status.lastEventAt);
  });

  it('reports OOMKilled, CrashLoopBackOff and readiness flips from the pod watch', async () => {
    await start();
    const oom = restarted(checkout, { reason: 'OOMKilled', exitCode: 137 });
    fake.upsert('pods', oom);
    await sink.waitFor((es) => es.some((e) => e.type === 'oom_killed'));
    const looping = crashLooping(oom);
    fake.upsert('pods', looping);
    await sink.waitFor((es) => es.some((e) => e.labels?.['k8s.reason'] === 'CrashLoopBackOff'));
    fake.upsert('pods', withReady(looping, false));
    await sink.waitFor((es) => es.some((e) => e.type === 'health_check_failed'));
    fake.upsert('pods', withReady(restarted(looping), true, 0));
    await sink.waitFor((es) => es.some((e) => e.type === 'health_check_passed' && e.time > checkout.status!.startTime!));
    await sleep(100);
    assert.equal(sink.ofType('oom_killed').length, 1);
    assert.equal(sink.ofType('oom_killed')[0]!.exitCode, 137);
    const crash = sink.events.find((e) => e.labels?.['k8s.reason'] === 'CrashLoopBackOff')!;
    assert.equal(crash.type, 'log');
    assert.equal(crash.level, 'error');
    assert.deepEqual(ids(restartsOf('checkout-7d9f8c6b5-x2x9q')), ['k8s:pod-uid-checkout:app:1:restart', 'k8s:pod-uid-checkout:app:2:restart', 'k8s:pod-uid-checkout:app:3:restart']);
    assertNoDuplicates();
  });

  it('treats an Event count bump as a new occurrence, attributed to its pod', async () => {
    const unhealthy = podEvent(checkout, { uid: 'event-uid-1', reason: 'Unhealthy', message: 'Readiness probe failed: HTTP probe failed with statuscode: 503' });
    await start();
    fake.upsert('events', unhealthy);
    await sink.waitFor((es) => es.some((e) => e.id === 'k8s-event:event-uid-1:1'));
    fake.upsert('events', bumped(unhealthy));
    await sink.waitFor((es) => es.some((e) => e.id === 'k8s-event:event-uid-1:2'));
    const sameCount: KubeEvent = { ...bumped(unhealthy), message: 'same count, new message' };
    fake.upsert('events', sameCount);
    await sleep(150);
    const failed = sink.ofType('health_check_failed');
    assert.deepEqual(ids(failed), ['k8s-event:event-uid-1:1', 'k8s-event:event-uid-1:2']);
    assert.equal(failed[1]!.instance, 'checkout-7d9f8c6b5-x2x9q');
    assert.equal(failed[1]!.labels?.['rollwatch.io/workload'], 'checkout');
    assert.equal(failed[1]!.labels?.['k8s.event-count'], '2');
    assert.equal(failed[1]!.host, 'worker-1');
    assertNoDuplicates();
  });

  it('relists on a 410 Gone watch ERROR without duplicating anything already delivered', async () => {
    await start();
    fake.upsert('pods', (checkout = restarted(checkout) as Pod));
    await sink.waitFor(() => restartsOf(checkout.metadata!.name!).length === 1);
    // A change the watch never delivers, then the server expires the watch's resourceVersion.
    fake.upsertSilently('pods', (checkout = restarted(checkout) as Pod));
    fake.compact();
    fake.expireWatches('pods');
    await sink.waitFor(() => restartsOf(checkout.metadata!.name!).length >= 2, 5000, 'restart #2 via relist');
    await fake.waitForWatches('pods', 2);
    await sleep(200);
    assert.deepEqual(ids(restartsOf(checkout.metadata!.name!)), ['k8s:pod-uid-checkout:app:1:restart', 'k8s:pod-uid-checkout:app:2:restart']);
    assert.equal(fake.listRequests('pods').length, 2, 'one initial list and one relist');
    assert.ok(source.status().reconnects >= 1);
    assertNoDuplicates();
  });

  it('relists on an HTTP 410 for a stale resourceVersion, after backing off', async () => {
    fake.goneMode = 'http';
    await start();
    const events = () => sink.events.length;
    const before = events();
    fake.dropWatches('pods');
    fake.upsertSilently('pods', (checkout = restarted(checkout) as Pod));
    fake.compact();
    await sink.waitFor(() => restartsOf(checkout.metadata!.name!).length === 1, 5000, 'restart via relist');
    await sleep(200);
    const watches = fake.watchRequests('pods');
    assert.ok(watches.length >= 2);
    assert.equal(fake.listRequests('pods').length, 2);
    assert.ok(events() > before);
    assertNoDuplicates();
  });

  it('reconnects a dropped watch with exponential backoff, resumes from its resourceVersion, delivers once', async () => {
    await start();
    await fake.waitForWatches('pods', 1);
    const firstWatch = fake.watchRequests('pods')[0]!;
    fake.dropWatches('pods');
    const droppedAt = Date.now();
    // Happens while disconnected; the resumed watch replays it from history.
    fake.upsert('pods', (checkout = restarted(checkout) as Pod));
    await fake.waitForWatches('pods', 2);
    const second = fake.watchRequests('pods')[1]!;
    const firstGap = second.at - droppedAt;
    assert.ok(firstGap >= BACKOFF_MS * 0.9 && firstGap < BACKOFF_MS * 2, `reconnected after ${firstGap} ms, backoff is ${BACKOFF_MS} ms`);
    assert.notEqual(second.query.resourceVersion, undefined);
    assert.ok(Number(second.query.resourceVersion) >= Number(firstWatch.query.resourceVersion));
    await sink.waitFor(() => restartsOf(checkout.metadata!.name!).length === 1);
    // Drop again right away: the next delay doubles.
    fake.dropWatches('pods');
    const droppedAgainAt = Date.now();
    await fake.waitForWatches('pods', 3);
    const third = fake.watchRequests('pods')[2]!;
    const secondGap = third.at - droppedAgainAt;
    assert.ok(secondGap >= BACKOFF_MS * 2 * 0.9 && secondGap < BACKOFF_MS * 4, `second reconnect after ${secondGap} ms`);
    await sleep(200);
    assert.equal(fake.listRequests('pods').length, 1, 'resumed, never relisted');
    assert.equal(restartsOf(checkout.metadata!.name!).length, 1);
    const status = source.status();
    assert.ok(status.reconnects >= 2);
    assert.equal(status.connected, true);
    assert.match(status.lastError ?? '', /pods/);
    assertNoDuplicates();
  });

  it('labels Argo Rollout pods with the rollout and its stable hash', async () => {
    const canary = pod({ name: 'payments-6f5c9d7b8-aaaaa', uid: 'pod-uid-canary', workload: 'payments', hash: '6f5c9d7b8', argo: true });
    await start();
    fake.upsert('pods', canary);
    await sink.waitFor((es) => es.some((e) => e.instance === 'payments-6f5c9d7b8-aaaaa'));
    const e = sink.events.find((x) => x.instance === 'payments-6f5c9d7b8-aaaaa')!;
    assert.equal(e.labels?.['rollwatch.io/argo-rollout'], 'payments');
    assert.equal(e.labels?.['rollwatch.io/workload'], 'payments');
    assert.equal(e.labels?.['rollwatch.io/argo-stable-hash'], '5b4a3c2d1');
    assert.equal(e.labels?.['rollouts-pod-template-hash'], '6f5c9d7b8');
  });

  it('works without the Argo Rollouts CRD (404) and reports itself connected', async () => {
    fake.serveRollouts = false;
    await start();
    fake.upsert('pods', restarted(checkout));
    await sink.waitFor(() => restartsOf(checkout.metadata!.name!).length === 1);
    assert.equal(source.status().connected, true);
    assert.equal(fake.listRequests('rollouts').length, 1, 'a 404 is not retried');
  });

  it('only watches pods matching K8S_LABEL_SELECTOR and ignores Events about other pods', async () => {
    const other = fake.upsert('pods', pod({ name: 'other-1', uid: 'pod-uid-other', workload: 'other' })) as Pod;
    fake.upsert('pods', { ...checkout, metadata: { ...checkout.metadata, labels: { ...checkout.metadata!.labels, 'rollwatch.io/watch': 'true' } } });
    await start({ K8S_LABEL_SELECTOR: 'rollwatch.io/watch=true' });
    fake.upsert('pods', restarted(other));
    fake.upsert('events', podEvent(other, { uid: 'event-other', reason: 'BackOff', message: 'Back-off restarting failed container' }));
    fake.upsert('events', podEvent(checkout, { uid: 'event-mine', reason: 'BackOff', message: 'Back-off restarting failed container' }));
    await sink.waitFor((es) => es.some((e) => e.id === 'k8s-event:event-mine:1'));
    await sleep(150);
    assert.equal(sink.events.filter((e) => e.instance === 'other-1').length, 0);
    assert.equal(fake.watchRequests('pods')[0]!.query.labelSelector, 'rollwatch.io/watch=true');
  });

  it('repairs a missed change on the periodic resync relist', async () => {
    await start({ K8S_RESYNC_SECONDS: 1 });
    fake.upsertSilently('pods', (checkout = restarted(checkout) as Pod));
    await sink.waitFor(() => restartsOf(checkout.metadata!.name!).length === 1, 4000, 'restart via resync');
    assert.ok(fake.listRequests('pods').length >= 2);
    assertNoDuplicates();
  });

  it('retries a transiently failing sink instead of dropping the batch', async () => {
    await start();
    let failures = 1;
    const emit = sink.emit.bind(sink);
    sink.emit = async (events) => {
      if (failures-- > 0) throw new RollwatchError('spool busy', { retriable: true });
      return emit(events);
    };
    fake.upsert('pods', restarted(checkout));
    await sink.waitFor(() => restartsOf(checkout.metadata!.name!).length === 1, 4000);
    assertNoDuplicates();
  });

  it('stops promptly even when stop() lands between a relist and the next watch', async () => {
    await start({ K8S_RESYNC_SECONDS: 1 });
    fake.upsertSilently('pods', (checkout = restarted(checkout) as Pod));
    await sink.waitFor(() => restartsOf(checkout.metadata!.name!).length === 1, 4000, 'restart via resync');
    const t0 = Date.now();
    await source.stop();
    assert.ok(Date.now() - t0 < 500, `stop took ${Date.now() - t0} ms`);
    assert.equal(fake.openWatches('pods'), 0);
  });

  it('keeps working when nodes are forbidden (namespace-scoped Role): no hostAttributes, still connected', async () => {
    fake.failNext('nodes', 403, { times: 1000 });
    const config = resolveKubernetesSourceConfig({ KUBECONFIG: fake.writeKubeconfig(), K8S_BACKOFF_INITIAL_MS: 50, K8S_BACKOFF_MAX_MS: 200, K8S_RESYNC_SECONDS: 0 }, {});
    source = new KubernetesSource(config, logger, { random: () => 1, syncWaitMs: 300 });
    sink = new CollectingSink();
    await source.start(sink);
    await source.waitForSync();
    fake.upsert('pods', restarted(checkout));
    await sink.waitFor(() => restartsOf(checkout.metadata!.name!).length === 1, 4000);
    const [restart] = restartsOf(checkout.metadata!.name!);
    assert.equal(restart!.host, 'worker-1');
    assert.equal(restart!.hostAttributes, undefined);
    const status = source.status();
    assert.equal(status.connected, true);
    assert.match(status.lastError ?? '', /nodes: .*403/);
  });

  it('reports disconnected with the error when the apiserver goes away', async () => {
    await start();
    fake.failNext('pods', 503, { times: 50 });
    fake.dropWatches('pods');
    await sleep(BACKOFF_MS * 2);
    const status = source.status();
    assert.equal(status.connected, false);
    assert.match(status.lastError ?? '', /503|pods/);
  });

  it('is what createKubernetesSource builds from the ingest config', () => {
    const s = createKubernetesSource({ KUBECONFIG: fake.writeKubeconfig(), INGEST_PORT: 0 }, logger);
    assert.equal(s.name, 'kubernetes');
    assert.deepEqual(s.status(), { name: 'kubernetes', connected: false, reconnects: 0 });
  });
});

await registerK3sSuite();
