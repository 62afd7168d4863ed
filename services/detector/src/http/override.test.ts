import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { COMMAND_HEADER, INDICES, TOPICS, verdictSchema, type Verdict } from '@rollwatch/core';
import { FakeEngine } from '../testing/fake-engine.js';
import { authHeaders, collect, event, publishEvents, startHarness, waitUntil } from '../testing/harness.js';

async function post(url: string, body: unknown, token?: string): Promise<{ status: number; json: { verdict?: Verdict; field?: string; error?: string; queued?: boolean } }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...authHeaders(token) }, body: JSON.stringify(body) });
  return { status: response.status, json: (await response.json()) as { verdict?: Verdict; field?: string } };
}

describe('POST /api/v1/rollouts/{id}/override (the detector is the one writer of verdicts)', () => {
  it('validates with the one override schema (400 naming the field), needs the write token, 404 for an unknown rollout', async () => {
    const h = await startHarness({ config: { ROLLWATCH_API_TOKEN: 'w', ROLLWATCH_READ_TOKEN: 'r' } });
    try {
      await publishEvents(h.bus, [event({ rollout: 'known' }), event({ rollout: 'known' }), event({ rollout: 'known' })]);
      await waitUntil('rollout known', () => h.detector.tracker.latest('known'));
      const url = (id: string) => `${h.url}/api/v1/rollouts/${id}/override`;
      assert.equal((await post(url('known'), { decision: 'maybe', reason: 'r', by: 'b' }, 'w')).json.field, 'decision');
      assert.equal((await post(url('known'), { decision: 'go', by: 'b' }, 'w')).json.field, 'reason');
      assert.equal((await post(url('known'), { decision: 'go', reason: 'r', by: 'b', extra: 1 }, 'w')).json.field, 'extra');
      assert.equal((await post(url('known'), { decision: 'go', reason: 'r', by: 'b' }, 'r')).status, 403);
      assert.equal((await post(url('nobody'), { decision: 'go', reason: 'r', by: 'b' }, 'w')).status, 404);
      const ok = await post(url('known'), { decision: 'no-go', reason: 'on-call says so', by: 'ana' }, 'w');
      assert.equal(ok.status, 202);
      assert.equal(ok.json.verdict!.decision, 'no-go');
      assert.equal(ok.json.verdict!.overridden!.by, 'ana');
      assert.equal(ok.json.verdict!.sequence, h.detector.tracker.lastPublished('known')!.sequence);
      assert.equal((await fetch(`${h.url}/api/v1/rollouts/known/gate`, { headers: authHeaders('r') })).status, 409);
    } finally {
      await h.close();
    }
  });

  it('an override racing a stream of verdicts gets the next sequence: every sequence once, gap-free, in topic order', async () => {
    // crashLimit high: every event toggles the "canary above baseline" warning, so each one is a new verdict.
    const engine = new FakeEngine({ minEvents: 1, crashLimit: 10_000 });
    const h = await startHarness({ engine });
    const verdicts = await collect(h.bus, TOPICS.verdicts);
    const rollout = 'race/checkout';
    try {
      const stream = (async () => {
        for (let i = 0; i < 60; i++) {
          await publishEvents(h.bus, [event({ rollout, type: 'container_restart', group: i % 2 ? 'baseline' : 'canary', instance: `i-${i}` })]);
          // One event per consumer batch, so each is its own evaluation (and verdict).
          await waitUntil(`event ${i} consumed`, () => engine.state.get(rollout)?.events.size === i + 1);
        }
      })();
      await waitUntil('first verdict', () => h.detector.tracker.lastPublished(rollout));
      const decisions = ['no-go', 'go', 'no-go', 'go', 'no-go'] as const;
      const answers = await Promise.all(decisions.map((decision, k) => post(`${h.url}/api/v1/rollouts/${encodeURIComponent(rollout)}/override`, { decision, reason: `race ${k}`, by: `person-${k}` })));
      await stream;
      for (const answer of answers) assert.equal(answer.status, 202, JSON.stringify(answer.json));

      const expectedCount = () => h.detector.tracker.lastPublished(rollout)!.sequence;
      await waitUntil('every verdict on the topic', () => verdicts.messages.filter((m) => m.key === rollout).length === expectedCount());
      const published = verdicts.messages.filter((m) => m.key === rollout).map((m) => verdictSchema.parse(JSON.parse(m.value)));
      assert.deepEqual(published.map((v) => v.sequence), Array.from({ length: published.length }, (_, i) => i + 1), 'gap-free, increasing, each once');
      assert.ok(published.length > 30, `verdicts kept flowing (${published.length})`);
      // Each override is one verdict, with the sequence its HTTP answer reported.
      const forced = published.filter((v) => v.overridden && v.reasons[0]?.signal === 'override' && v.reasons[0].message.includes(v.overridden.reason));
      const firstOfEach = new Map<string, Verdict>();
      for (const v of forced) if (!firstOfEach.has(v.overridden!.by)) firstOfEach.set(v.overridden!.by, v);
      assert.equal(firstOfEach.size, decisions.length);
      for (const answer of answers) assert.equal(firstOfEach.get(answer.json.verdict!.overridden!.by)!.sequence, answer.json.verdict!.sequence);
      // After the last override, the forced decision sticks while verdicts keep coming.
      const lastOverride = [...firstOfEach.values()].sort((a, b) => b.sequence - a.sequence)[0]!;
      const afterwards = published.filter((p) => p.sequence > lastOverride.sequence);
      assert.ok(afterwards.length > 0 && Math.min(...[...firstOfEach.values()].map((v) => v.sequence)) > 1, 'the overrides landed mid-stream');
      for (const v of afterwards) assert.equal(v.decision, lastOverride.decision);
      const stored = await h.store.search(INDICES.verdicts, { filters: { rollout }, size: 1000 });
      assert.equal(stored.total, published.length, 'one stored document per sequence');
    } finally {
      await verdicts.stop();
      await h.close();
    }
  });

  it('a malformed override command on rollwatch.events is dead-lettered, not applied', async () => {
    const h = await startHarness();
    const dlq = await collect(h.bus, TOPICS.dlq);
    try {
      await h.bus.publish(TOPICS.events, [{ key: 'x', value: JSON.stringify({ rollout: 'x', decision: 'perhaps' }), headers: { [COMMAND_HEADER]: 'override' } }]);
      const dead = await waitUntil('dead letter', () => dlq.messages[0]);
      assert.match(JSON.parse(dead.value).error as string, /invalid override command/);
      assert.equal(h.detector.tracker.lastPublished('x'), undefined);
    } finally {
      await dlq.stop();
      await h.close();
    }
  });
});
