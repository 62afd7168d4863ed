import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { JSONPath } from 'jsonpath-plus';
import { FakeEngine } from '../testing/fake-engine.js';
import { authHeaders, crashLoop, event, publishEvents, startHarness, waitUntil, type Harness } from '../testing/harness.js';

const READ = 'read-secret';

/**
 * Rollout identity in the API: ids with "/", per-revision verdicts and latches, the Argo contract
 * for rollouts not seen yet, and Flagger's checksum naming a new release.
 */
describe('detector API: rollouts per (id, revision)', () => {
  let h: Harness;
  const get = (path: string) => fetch(`${h.url}${path}`, { headers: authHeaders(READ) });
  const hook = (type: string, body: unknown) =>
    fetch(`${h.url}/api/v1/flagger/${type}?access_token=${READ}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = async (res: Response) => (await res.json()) as Record<string, unknown>;
  /** What Argo Rollouts' Web provider does with the body: `jsonPath: "{$.decision}"`. */
  const argo = (body: unknown) => JSONPath({ path: '$.decision', json: body as object, wrap: false }) as string;

  before(async () => {
    h = await startHarness({ engine: new FakeEngine(), config: { ROLLWATCH_READ_TOKEN: READ, ROLLWATCH_API_TOKEN: 'w' } });
    // Revision A of prod/checkout crash-loops; staging/checkout (same name, other namespace) is healthy.
    await publishEvents(h.bus, crashLoop('prod/checkout').map((e) => ({ ...e, revision: 'A' })));
    const t = Date.now() - 90_000;
    await publishEvents(h.bus, [0, 1, 2].map((i) => event({ rollout: 'staging/checkout', revision: 'A', group: i === 0 ? 'baseline' : 'canary', time: new Date(t + i).toISOString() })));
    await waitUntil('both namespaces judged', () => h.detector.tracker.latest('prod/checkout@A')?.decision === 'no-go' && h.detector.tracker.latest('staging/checkout@A')?.decision === 'go');
  });
  after(async () => {
    await h.close();
  });

  it('keeps prod/checkout and staging/checkout apart (URL-encoded id, path segments and full key)', async () => {
    const prod = await json(await get('/api/v1/rollouts/prod%2Fcheckout/verdict'));
    assert.deepEqual([prod.rollout, prod.revision, prod.decision], ['prod/checkout@A', 'A', 'no-go']);
    const staging = await json(await get('/api/v1/rollouts/staging%2Fcheckout/verdict'));
    assert.deepEqual([staging.rollout, staging.revision, staging.decision], ['staging/checkout@A', 'A', 'go']);
    assert.equal((await json(await get('/api/v1/rollouts/prod/checkout/verdict'))).decision, 'no-go', 'wildcard path');
    assert.equal((await get('/api/v1/rollouts/staging/checkout/gate')).status, 200, 'wildcard gate');
    assert.equal((await json(await get('/api/v1/rollouts/prod%2Fcheckout%40A/verdict'))).decision, 'no-go', 'full key');
    assert.equal((await json(await get('/api/v1/rollouts/prod%2Fcheckout/verdict?revision=A'))).decision, 'no-go', '?revision=');
  });

  it('answers a rollout or revision not seen yet with 200 pending (Argo: Inconclusive), never 404', async () => {
    for (const path of ['/api/v1/rollouts/prod%2Fnever-seen/verdict', '/api/v1/rollouts/prod/never-seen/verdict', '/api/v1/rollouts/prod%2Fcheckout/verdict?revision=Z']) {
      const res = await get(path);
      assert.equal(res.status, 200, path);
      const body = await json(res);
      assert.equal(argo(body), 'pending', path);
      assert.equal(body.sequence, 0);
    }
    const bad = await get('/api/v1/rollouts/prod%2Fcheckout/verdict?revision=a%40b');
    assert.equal(bad.status, 400);
    assert.equal((await json(bad)).field, 'revision');
  });

  it('a no-go latched on revision A does not block revision B; A keeps its history (Flagger checksums too)', async () => {
    // Flagger analyses release A (checksum cA): its rollback hook fires.
    assert.equal((await hook('rollback', { name: 'checkout', namespace: 'prod', phase: 'Progressing', checksum: 'cA' })).status, 200);
    // A new release (checksum cB) before its canary reported: pending, not A's no-go.
    const early = await hook('rollback', { name: 'checkout', namespace: 'prod', phase: 'Progressing', checksum: 'cB' });
    assert.equal(early.status, 412, 'the rollback hook of a new release must not fire on the previous release');
    assert.equal((await json(early)).decision, 'pending');
    assert.equal((await hook('gate', { name: 'checkout', namespace: 'prod', checksum: 'cB' })).status, 425);
    assert.equal((await hook('confirm-rollout', { name: 'checkout', namespace: 'prod', checksum: 'cB' })).status, 200, 'confirm-rollout lets the new canary start');
    assert.equal((await hook('confirm-rollout', { name: 'checkout', namespace: 'prod', checksum: 'cA' })).status, 409, 'but holds a release already judged no-go');

    // Revision B's pods report, healthy.
    const t = Date.now() - 5_000;
    const labels = { 'k8s.namespace': 'prod', 'rollwatch.io/workload': 'checkout', 'rollwatch.io/argo-rollout': 'checkout' };
    await publishEvents(h.bus, [0, 1, 2, 3].map((i) => event({ rollout: 'prod/checkout', revision: 'B', group: i === 0 ? 'baseline' : 'canary', time: new Date(t + i).toISOString(), labels })));
    await waitUntil('revision B judged', () => h.detector.tracker.latest('prod/checkout@B')?.decision === 'go');
    // Where an actuator finds it, as the Kubernetes events showed it (the alerts service never guesses).
    assert.deepEqual(h.detector.tracker.latest('prod/checkout@B')?.labels, { 'rollwatch.io/namespace': 'prod', 'rollwatch.io/target': 'checkout' });

    const latest = await json(await get('/api/v1/rollouts/prod%2Fcheckout/verdict'));
    assert.deepEqual([latest.rollout, latest.decision], ['prod/checkout@B', 'go'], 'the newest revision starts clean');
    assert.equal((await get('/api/v1/rollouts/prod%2Fcheckout/gate')).status, 200);
    assert.equal((await hook('rollback', { name: 'checkout', namespace: 'prod', checksum: 'cB' })).status, 412);
    assert.equal((await hook('gate', { name: 'checkout', namespace: 'prod', checksum: 'cB' })).status, 200);
    // Revision A is still no-go, with its history.
    assert.equal((await hook('rollback', { name: 'checkout', namespace: 'prod', checksum: 'cA' })).status, 200);
    assert.equal((await json(await get('/api/v1/rollouts/prod%2Fcheckout/verdict?revision=A'))).decision, 'no-go');
    const history = await json(await get('/api/v1/rollouts/prod%2Fcheckout/verdicts?revision=A'));
    assert.ok((history.total as number) >= 1);
    assert.ok((history.items as { rollout: string }[]).every((v) => v.rollout === 'prod/checkout@A'));

    // Flagger's event webhook lands on the rollout's timeline, under the checksum's revision.
    const accepted = await hook('event', { name: 'checkout', namespace: 'prod', phase: 'Progressing', checksum: 'cB', metadata: { eventMessage: 'Advance checkout.prod canary weight 20', eventType: 'Normal', timestamp: String(Date.now()) } });
    assert.equal(accepted.status, 202);
    assert.equal((await json(accepted)).revision, 'B');
    const timeline = await waitUntil('the Flagger event on the timeline', async () => {
      const found = await json(await get('/api/v1/events?rollout=prod%2Fcheckout&type=log'));
      const items = found.items as { message: string; revision?: string; source?: string }[];
      return items.find((e) => e.source === 'flagger');
    });
    assert.equal(timeline.revision, 'B');
    assert.match(timeline.message, /Advance checkout.prod canary weight 20/);
    assert.equal(h.detector.tracker.latest('prod/checkout@B')?.decision, 'go', 'the event did not change the verdict');

    // Overrides are per revision: the id means its newest revision, ?revision= picks another. The
    // detector numbers them itself (the one writer of verdicts), on the revision's key.
    const override = (path: string, decision: 'go' | 'no-go') => fetch(`${h.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer w' }, body: JSON.stringify({ decision, reason: 'checked by hand', by: 'sre' }) });
    const newest = await override('/api/v1/rollouts/prod%2Fcheckout/override', 'go');
    assert.equal(newest.status, 202);
    assert.equal(((await json(newest)).verdict as { rollout: string }).rollout, 'prod/checkout@B');
    const older = await override('/api/v1/rollouts/prod%2Fcheckout/override?revision=A', 'no-go');
    assert.equal(older.status, 202);
    assert.equal(((await json(older)).verdict as { rollout: string }).rollout, 'prod/checkout@A');
    assert.equal(h.detector.tracker.latest('prod/checkout@B')?.overridden?.by, 'sre');
    assert.equal(h.detector.tracker.latest('prod/checkout@A')?.overridden?.by, 'sre');

    const list = await json(await get('/api/v1/rollouts'));
    const rows = (list.items as { rollout: string; id: string; revision: string | null; decision: string }[]).filter((r) => r.id === 'prod/checkout');
    assert.deepEqual(rows.map((r) => [r.rollout, r.revision, r.decision]).sort(), [['prod/checkout@A', 'A', 'no-go'], ['prod/checkout@B', 'B', 'go']]);
  });
});
