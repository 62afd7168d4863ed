import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeConfig } from '@kubernetes/client-node';
import { createLogger } from '@rollwatch/core';
import { KubeHttpTransport } from './kube-http.js';
import { Reflector, type ChangeType } from './reflector.js';
import { FakeApiServer } from './testing/fake-apiserver.js';
import { pod } from './testing/fixtures.js';
import type { Pod } from './types.js';

// The list+watch loop on its own, over real HTTP against the fake apiserver.
const logger = createLogger('reflector-test', 'silent');

let fake: FakeApiServer;
let reflector: Reflector<Pod> | undefined;
let changes: { type: ChangeType; name: string; rv: string }[];

function startReflector(opts: { pageSize?: number; maxDelayMs?: number } = {}): Reflector<Pod> {
  const kc = new KubeConfig();
  kc.loadFromFile(fake.writeKubeconfig());
  changes = [];
  reflector = new Reflector<Pod>({
    name: 'pods(test)',
    path: '/api/v1/namespaces/shop/pods',
    transport: new KubeHttpTransport(kc),
    logger,
    resyncMs: 0,
    watchTimeoutSeconds: 60,
    backoff: { initialDelayMs: 50, maxDelayMs: opts.maxDelayMs ?? 400, random: () => 1 },
    ...(opts.pageSize ? { pageSize: opts.pageSize } : {}),
    onChange: async (type, object) => {
      changes.push({ type, name: object.metadata!.name!, rv: object.metadata!.resourceVersion! });
    },
  });
  reflector.start();
  return reflector;
}

describe('Reflector', () => {
  beforeEach(async () => {
    fake = await FakeApiServer.start();
  });
  afterEach(async () => {
    await reflector?.stop();
    reflector = undefined;
    await fake.close();
  });

  it('lists every page (continue tokens) before watching', async () => {
    for (let i = 0; i < 5; i++) {
      const p = pod({ name: `p${i}`, uid: `uid-${i}` });
      p.metadata!.managedFields = [{ manager: 'kubelet', operation: 'Update', fieldsV1: { 'f:status': {} } }];
      fake.upsert('pods', p);
    }
    const r = startReflector({ pageSize: 2 });
    await r.waitForSync();
    assert.equal(fake.listRequests('pods').length, 3);
    assert.deepEqual(changes.map((c) => c.name).sort(), ['p0', 'p1', 'p2', 'p3', 'p4']);
    assert.ok(changes.every((c) => c.type === 'ADDED'));
    assert.equal(r.get('uid-0')!.metadata!.managedFields, undefined, 'managedFields are not cached');
    await fake.waitForWatches('pods', 1);
    assert.equal(fake.watchRequests('pods')[0]!.query.allowWatchBookmarks, 'true');
  });

  it('delivers a deletion it missed while disconnected when the relist no longer contains the object', async () => {
    const a = fake.upsert('pods', pod({ name: 'a', uid: 'uid-a' }));
    fake.upsert('pods', pod({ name: 'b', uid: 'uid-b' }));
    const r = startReflector();
    await r.waitForSync();
    await fake.waitForWatches('pods', 1);
    fake.dropWatches('pods');
    fake.remove('pods', a);
    fake.compact();
    fake.goneMode = 'http';
    await fake.waitForWatches('pods', 3);
    await sleep(50);
    assert.deepEqual(changes.filter((c) => c.type === 'DELETED').map((c) => c.name), ['a']);
    assert.equal(r.get('uid-a'), undefined);
    assert.ok(r.get('uid-b'));
    assert.equal(changes.filter((c) => c.name === 'b').length, 1, 'unchanged object not re-delivered');
  });

  it('resumes from a BOOKMARK resourceVersion', async () => {
    fake.upsert('pods', pod({ name: 'a', uid: 'uid-a' }));
    const r = startReflector();
    await r.waitForSync();
    await fake.waitForWatches('pods', 1);
    fake.upsert('nodes', { metadata: { name: 'n', uid: 'n' } }); // advances the global resourceVersion
    fake.bookmark('pods');
    await sleep(50);
    fake.dropWatches('pods');
    await fake.waitForWatches('pods', 2);
    const [first, second] = fake.watchRequests('pods');
    assert.ok(Number(second!.query.resourceVersion) > Number(first!.query.resourceVersion));
  });

  it('keeps retrying a forbidden list at the backoff cap (RBAC can be fixed without a restart)', async () => {
    fake.failNext('pods', 403, { times: 2 });
    fake.upsert('pods', pod({ name: 'a', uid: 'uid-a' }));
    const started = Date.now();
    const r = startReflector({ maxDelayMs: 300 });
    await r.waitForSync();
    const lists = fake.listRequests('pods');
    assert.equal(lists.length, 3);
    assert.ok(lists[1]!.at - lists[0]!.at >= 270, `second try after ${lists[1]!.at - lists[0]!.at} ms`);
    assert.ok(Date.now() - started >= 540);
    assert.deepEqual(changes.map((c) => c.name), ['a']);
  });

  it('stops an absent resource (404) quietly and counts as synced', async () => {
    fake.serveRollouts = false;
    const kc = new KubeConfig();
    kc.loadFromFile(fake.writeKubeconfig());
    const r = new Reflector({
      name: 'rollouts(test)',
      path: '/apis/argoproj.io/v1alpha1/rollouts',
      transport: new KubeHttpTransport(kc),
      logger,
      resyncMs: 0,
      watchTimeoutSeconds: 60,
      backoff: { initialDelayMs: 50, maxDelayMs: 100 },
      absentCodes: [404],
      onChange: async () => {},
    });
    r.start();
    await r.waitForSync();
    assert.equal(r.isAbsent, true);
    await sleep(150);
    assert.equal(fake.listRequests('rollouts').length, 1);
    await r.stop();
  });
});
