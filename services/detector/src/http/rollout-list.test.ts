import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TOPICS, type Verdict } from '@rollwatch/core';
import type { RolloutSummary } from '@rollwatch/analysis';
import { authHeaders, crashLoop, publishEvents, startHarness, waitUntil } from '../testing/harness.js';
import { rolloutListing } from './rollout-list.js';

const DAY = 24 * 60 * 60 * 1000;
const NOW = Date.UTC(2026, 11, 5, 12);

function published(rollout: string, minutesAgo: number, sequence = 1, extra: Partial<Verdict> = {}): Verdict {
  return { rollout, decision: 'go', score: 10, reasons: [], evaluatedAt: new Date(NOW - minutesAgo * 60_000).toISOString(), noGoAt: null, sequence, ...extra };
}

function summary(rollout: string, lastEventMinutesAgo: number): RolloutSummary {
  const at = new Date(NOW - lastEventMinutesAgo * 60_000).toISOString();
  return { rollout, firstEventAt: at, lastEventAt: at, instances: { canary: 1, baseline: 1, other: 0 }, events: 3, registered: false };
}

/** What one replica lists, given the rollouts its engine holds and the view every replica shares. */
function listOn(local: RolloutSummary[], fleet: Verdict[], current: Map<string, Verdict> = new Map()) {
  const byKey = new Map(fleet.map((v) => [v.rollout, v]));
  return rolloutListing({ local, current: (k) => current.get(k), published: (k) => byKey.get(k), fleet, sinceMs: NOW - DAY });
}

describe('rolloutListing', () => {
  const fleet = [published('a', 30), published('b', 5), published('c', 60), published('old', 2 * 24 * 60), published('d', 5)];

  it('lists every replica\'s rollouts in the same order on every replica (pages may come from different ones)', () => {
    const onA = listOn([summary('a', 1), summary('c', 2)], fleet);
    const onB = listOn([summary('b', 50), summary('d', 50)], fleet);
    const keys = (rows: { key: string }[]) => rows.map((r) => r.key);
    // Most recently judged first (b and d tie at 5 minutes: by key), whoever owns them.
    assert.deepEqual(keys(onA), ['b', 'd', 'a', 'c']);
    assert.deepEqual(keys(onB), keys(onA));
    assert.deepEqual(onA.map((r) => r.summary !== undefined), [false, false, true, true], 'the engine summary only where the engine holds the rollout');
  });

  it('leaves out another replica\'s keys whose latest verdict is older than the retention, never local ones', () => {
    assert.ok(!listOn([], fleet).some((r) => r.key === 'old'));
    const withLocalOld = listOn([summary('old', 3 * 24 * 60)], fleet);
    assert.ok(withLocalOld.some((r) => r.key === 'old' && r.summary), 'a rollout the engine still holds is listed');
  });

  it('shows this replica\'s latest evaluation of a local rollout, the published verdict of a remote one', () => {
    const fresher = published('a', 0, 1, { score: 42 });
    const rows = listOn([summary('a', 1)], fleet, new Map([['a', fresher]]));
    assert.equal(rows.find((r) => r.key === 'a')?.verdict?.score, 42);
    assert.equal(rows.find((r) => r.key === 'b')?.verdict?.score, 10);
  });

  it('sorts a local rollout with nothing published yet by its last event', () => {
    const rows = listOn([summary('fresh', 10), summary('stale', 120)], fleet);
    assert.deepEqual(rows.map((r) => r.key), ['b', 'd', 'fresh', 'a', 'c', 'stale']);
  });
});

describe('GET /rollouts and /stream on a replica that does not own every rollout', () => {
  it('list and stream the rollouts another replica publishes verdicts for, from the verdict view', async () => {
    const h = await startHarness({ config: { ROLLWATCH_API_TOKEN: 'secret-token' } });
    const headers = authHeaders('secret-token');
    const controller = new AbortController();
    try {
      await publishEvents(h.bus, crashLoop('prod/own'));
      await waitUntil('own rollout judged', () => h.detector.tracker.latest('prod/own')?.decision === 'no-go');
      // Another replica's verdicts reach this one only through rollwatch.verdicts.
      const other = (sequence: number, decision: Verdict['decision']): Verdict => ({ ...published('prod/theirs@r7', 0, sequence, { revision: 'r7', decision }), evaluatedAt: new Date().toISOString() });
      await h.bus.publish(TOPICS.verdicts, [{ key: 'prod/theirs@r7', value: JSON.stringify(other(1, 'pending')) }]);
      type Item = { rollout: string; id: string; revision: string | null; decision: string; sequence: number; location: string; instances: unknown };
      const list = await waitUntil('the other replica\'s rollout listed', async () => {
        const body = (await (await fetch(`${h.url}/api/v1/rollouts`, { headers })).json()) as { total: number; items: Item[] };
        return body.items.some((i) => i.rollout === 'prod/theirs@r7') ? body : undefined;
      });
      assert.equal(list.total, 2);
      const theirs = list.items.find((i) => i.rollout === 'prod/theirs@r7')!;
      assert.deepEqual({ id: theirs.id, revision: theirs.revision, decision: theirs.decision, sequence: theirs.sequence, location: theirs.location, instances: theirs.instances }, { id: 'prod/theirs', revision: 'r7', decision: 'pending', sequence: 1, location: 'remote', instances: null });
      assert.equal(list.items.find((i) => i.rollout === 'prod/own')?.location, 'local');

      const res = await fetch(`${h.url}/api/v1/stream?access_token=secret-token`, { signal: controller.signal });
      const reader = res.body!.getReader();
      let text = '';
      const readUntil = async (until: (t: string) => boolean) => {
        while (!until(text)) {
          const { value, done } = await reader.read();
          if (done) break;
          text += new TextDecoder().decode(value);
        }
      };
      await readUntil((t) => t.includes('id: prod/theirs@r7:1') && t.includes('id: prod/own:'));
      await h.bus.publish(TOPICS.verdicts, [{ key: 'prod/theirs@r7', value: JSON.stringify(other(2, 'no-go')) }]);
      await readUntil((t) => t.includes('id: prod/theirs@r7:2'));
      const block = text.split('\n\n').find((b) => b.includes('id: prod/theirs@r7:2'))!;
      assert.match(block, /"decision":"no-go"/);
      assert.equal(text.split('\n\n').filter((b) => b.includes('id: prod/theirs@r7:2')).length, 1, 'each change once');
    } finally {
      controller.abort();
      await h.close();
    }
  });
});
