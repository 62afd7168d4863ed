import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TOPICS, type RollwatchEventInput } from '@rollwatch/core';
import { crashLoopEvents, healthyEvent, runTag } from '../harness/events.js';
import { ReplicaCluster } from '../harness/replicas.js';
import type { ServiceProcess } from '../harness/service-process.js';
import { waitFor } from '../harness/wait.js';

/**
 * Any detector replica answers the whole read API, on real Kafka and Elasticsearch: two replicas
 * share the consumer group; each materialises rollwatch.verdicts, so `/verdict` on either answers
 * every rollout with the owner's latest sequence, `GET /rollouts` on either lists every rollout (in
 * one order, so pages may alternate replicas), `GET /stream` on either streams the other's changes, and `/series` on the replica that does not own a
 * rollout is the owner's live answer (forwarded, `X-Rollwatch-Served-From: owner <url>`), with the
 * caller's token checked. With the owner SIGKILLed, the survivor answers from the checkpoint (or,
 * once the group hands it the partition, from its own state), never a forward to the dead one.
 */
const PARTITIONS = 4;
const ROLLOUTS = 24;
const TOKEN = 'read-anywhere-token-0123456789abcdef';
const auth = { authorization: `Bearer ${TOKEN}` };

interface Answer {
  status: number;
  servedFrom: string | null;
  body: Record<string, unknown>;
}

async function get(base: string, path: string, headers: Record<string, string> = auth): Promise<Answer> {
  const res = await fetch(`${base}/api/v1${path}`, { headers, signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  return { status: res.status, servedFrom: res.headers.get('x-rollwatch-served-from'), body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

describe('detector replicas: any replica answers the read API', { timeout: 600_000 }, () => {
  let cluster: ReplicaCluster;
  const run = runTag();
  const group = `ra-detector-${run}`;

  before(async () => {
    cluster = await ReplicaCluster.start({ partitions: PARTITIONS, run, clientPrefix: 'ra' });
  });

  after(async () => {
    await cluster?.stop();
  });

  async function replica(): Promise<ServiceProcess> {
    const p = await cluster.detector(group, { DETECTOR_EVALUATION_INTERVAL_MS: '1000', DETECTOR_CHECKPOINT_INTERVAL_MS: '2000', ROLLWATCH_API_TOKEN: TOKEN }, { advertise: true });
    await p.start();
    await p.ready(120_000);
    return p;
  }

  /** Which replica holds the rollout in its engine (`location: local` in /rollouts/{id}). */
  async function ownerOf(rollout: string, among: ServiceProcess[]): Promise<ServiceProcess | undefined> {
    for (const r of among) if ((await get(r.url, `/rollouts/${encodeURIComponent(rollout)}`)).body.location === 'local') return r;
    return undefined;
  }

  it('2 replicas: the same latest verdict everywhere, /series forwarded to the owner, checkpoint when it is gone', async () => {
    const [a, b] = [await replica(), await replica()];
    await waitFor('2 replicas in the group', () => cluster.groupStable(group, 2), { timeoutMs: 120_000, intervalMs: 500 });

    const t0 = Date.now();
    const rollouts = Array.from({ length: ROLLOUTS }, (_, i) => `ra-${run}-r${i}`);
    const plain = (rollout: string, i: number): RollwatchEventInput[] => (i % 2 === 0 ? crashLoopEvents(rollout, 4, t0) : Array.from({ length: 12 }, (_, n) => healthyEvent(rollout, n, t0)));
    // Every fourth rollout reports a revision: asked by id alone, a non-owner must find its key in its view.
    const events = (rollout: string, i: number): RollwatchEventInput[] => plain(rollout, i).map((e) => (i % 4 === 3 ? { ...e, revision: `rev${i}` } : e));
    await cluster.bus.publish(TOPICS.events, rollouts.flatMap((r, i) => events(r, i).map((e) => ({ key: r, value: JSON.stringify(e) }))));

    // Every rollout is owned by exactly one replica, and both replicas own some.
    const owners = new Map<string, ServiceProcess>();
    await waitFor('every rollout analysed by its owner', async () => {
      for (const r of rollouts) {
        if (owners.has(r)) continue;
        const owner = await ownerOf(r, [a!, b!]);
        if (owner) owners.set(r, owner);
      }
      return owners.size === rollouts.length;
    }, { timeoutMs: 180_000, intervalMs: 1000 });
    assert.ok([...owners.values()].includes(a!) && [...owners.values()].includes(b!), 'the group split the rollouts between the replicas');

    // The same latest verdict (sequence and decision) on both replicas, for every rollout.
    const mismatches = async (): Promise<string[]> => {
      const problems: string[] = [];
      for (const r of rollouts) {
        const path = `/rollouts/${encodeURIComponent(r)}/verdict`;
        const [fromA, fromB] = await Promise.all([get(a!.url, path), get(b!.url, path)]);
        if (fromA.body.sequence !== fromB.body.sequence || fromA.body.decision !== fromB.body.decision || fromA.body.rollout !== fromB.body.rollout || !(Number(fromA.body.sequence) > 0)) problems.push(`${r}: ${String(fromA.body.sequence)}/${String(fromA.body.decision)} vs ${String(fromB.body.sequence)}/${String(fromB.body.decision)}`);
      }
      return problems;
    };
    const revisioned = rollouts.filter((_, i) => i % 4 === 3);
    await waitFor('both replicas answer every verdict alike', async () => (await mismatches()).length === 0, { timeoutMs: 60_000, intervalMs: 1000 }).catch(async () => assert.deepEqual((await mismatches()).slice(0, 10), []));
    for (const r of revisioned) assert.equal((await get(a!.url, `/rollouts/${encodeURIComponent(r)}/verdict`)).body.rollout, `${r}@rev${rollouts.indexOf(r)}`, 'the id means its revision');
    for (const r of rollouts) {
      const owner = owners.get(r)!;
      const other = owner === a ? b! : a!;
      const viaOther = await get(other.url, `/rollouts/${encodeURIComponent(r)}`);
      assert.equal(viaOther.body.location, 'remote', `${r} is another replica's on the non-owner`);
      assert.equal((viaOther.body.verdict as { sequence: number }).sequence, (await get(owner.url, `/rollouts/${encodeURIComponent(r)}/verdict`)).body.sequence, r);
    }

    // Those answers came from the replica's view of rollwatch.verdicts, not from Elasticsearch.
    for (const r of [a!, b!]) {
      const metrics = await (await fetch(`${r.url}/metrics`, { headers: auth })).text();
      const value = (pattern: RegExp) => Number(pattern.exec(metrics)?.[1] ?? NaN);
      const notOwned = rollouts.filter((id) => owners.get(id) !== r).length;
      assert.ok(value(/^rollwatch_detector_verdict_view_keys\{[^}]*\} (\d+)/m) >= ROLLOUTS, 'every rollout\'s verdict is in each replica\'s view');
      assert.ok(value(/^rollwatch_detector_remote_reads_total\{[^}]*source="view"[^}]*\} (\d+)/m) >= notOwned, `${notOwned} rollouts of the other replica answered from the view`);
    }

    // GET /rollouts: either replica lists every rollout (the other's from its view), in the same
    // order, so a client may take each page from another replica.
    const keys = rollouts.map((r, i) => (i % 4 === 3 ? `${r}@rev${i}` : r));
    const keyOwner = new Map(keys.map((k, i) => [k, owners.get(rollouts[i]!)!]));
    type Listed = { rollout: string; id: string; location: string; sequence: number };
    const list = async (base: string, query = '?size=1000'): Promise<{ total: number; items: Listed[]; next?: string }> => (await get(base, `/rollouts${query}`)).body as unknown as { total: number; items: Listed[]; next?: string };
    const listProblems = async (): Promise<string[]> => {
      const problems: string[] = [];
      const [onA, onB] = [await list(a!.url), await list(b!.url)];
      for (const [replicaList, self] of [[onA, a!], [onB, b!]] as const) {
        const byKey = new Map(replicaList.items.map((item) => [item.rollout, item]));
        for (const key of keys) {
          const item = byKey.get(key);
          if (!item) problems.push(`${key} missing on ${self.url}`);
          else if (item.location !== (keyOwner.get(key) === self ? 'local' : 'remote')) problems.push(`${key} is ${item.location} on ${self.url}`);
          else if (item.id !== rollouts[keys.indexOf(key)]) problems.push(`${key} has id ${item.id}`);
        }
      }
      // The order follows each key's latest published verdict, so two lists taken while a verdict is
      // in flight between the replicas' views may differ; only lists built from the same verdicts
      // (every key at the same sequence) must be in the same order.
      const sequenceOnB = new Map(onB.items.map((i) => [i.rollout, i.sequence]));
      const inFlight = onA.items.filter((i) => sequenceOnB.get(i.rollout) !== i.sequence).map((i) => `${i.rollout} at sequence ${i.sequence} on A, ${String(sequenceOnB.get(i.rollout))} on B`);
      if (inFlight.length > 0) problems.push(`verdicts in flight: ${inFlight.slice(0, 3).join('; ')}`);
      else if (onA.total !== onB.total || JSON.stringify(onA.items.map((i) => i.rollout)) !== JSON.stringify(onB.items.map((i) => i.rollout))) {
        const at = onA.items.findIndex((item, k) => item.rollout !== onB.items[k]?.rollout);
        problems.push(`the replicas list the same verdicts in different orders: row ${at} is ${onA.items[at]?.rollout} on A, ${onB.items[at]?.rollout} on B`);
      }
      // Pages of 5, alternating replicas: every rollout once.
      const paged: string[] = [];
      let next: string | undefined = '?size=5';
      for (let page = 0; next !== undefined; page++) {
        const body = await list((page % 2 === 0 ? a! : b!).url, next.replace(/^\/api\/v1\/rollouts/, ''));
        paged.push(...body.items.map((i) => i.rollout));
        next = body.next;
      }
      if (paged.length !== onA.total || new Set(paged).size !== paged.length) problems.push(`paging across replicas gave ${paged.length} rows (${new Set(paged).size} distinct) for ${onA.total}`);
      return problems;
    };
    await waitFor('both replicas list every rollout alike', async () => (await listProblems()).length === 0, { timeoutMs: 60_000, intervalMs: 1000 }).catch(async () => assert.deepEqual((await listProblems()).slice(0, 10), []));

    // GET /stream on a replica streams every rollout, then the changes of rollouts the other one owns.
    const streamed = rollouts.find((r, i) => i % 4 !== 3 && r !== rollouts[1] && owners.get(r) === a)!;
    const sse = new AbortController();
    const response = await fetch(`${b!.url}/api/v1/stream?access_token=${TOKEN}`, { signal: sse.signal });
    assert.equal(response.status, 200);
    const reader = response.body!.getReader();
    let text = '';
    const readUntil = async (what: string, until: (t: string) => boolean): Promise<void> => {
      const deadline = setTimeout(() => sse.abort(), 30_000);
      try {
        while (!until(text)) {
          const { value, done } = await reader.read();
          if (done) break;
          text += new TextDecoder().decode(value);
        }
      } catch {
        // aborted at the deadline: the assert below names what was missing
      } finally {
        clearTimeout(deadline);
      }
      assert.ok(until(text), `${what}; got ${text.slice(0, 2000)}`);
    };
    try {
      await readUntil('the opening burst names every rollout', (t) => keys.every((k) => t.includes(`id: ${k}:`)));
      const override = await fetch(`${b!.url}/api/v1/rollouts/${encodeURIComponent(streamed)}/override`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ decision: 'no-go', reason: 'read-anywhere stream check', by: 'test' }), signal: AbortSignal.timeout(30_000) });
      assert.equal(override.status, 202);
      const forced = ((await override.json()) as { verdict?: { sequence: number } }).verdict;
      assert.ok(forced, 'the owner applied the override');
      await readUntil(`the non-owner streams ${streamed}'s forced verdict`, (t) => t.includes(`id: ${streamed}:${forced.sequence}\n`));
      const event = text.split('\n\n').find((e) => e.includes(`id: ${streamed}:${forced.sequence}\n`))!;
      assert.match(event, /"decision":"no-go"/);
      assert.match(event, /"overridden":/);
    } finally {
      sse.abort();
    }

    // /series on the non-owner is the owner's answer, live: new events show without a checkpoint in between.
    const target = rollouts[1]!;
    const owner = owners.get(target)!;
    const other = owner === a ? b! : a!;
    const seriesPath = `/rollouts/${encodeURIComponent(target)}/series`;
    assert.equal((await get(other.url, seriesPath, {})).status, 401, 'the replica asked checks the token itself');
    const forwarded = await get(other.url, seriesPath);
    assert.equal(forwarded.status, 200);
    assert.equal(forwarded.servedFrom, `owner ${owner.url}`);
    assert.deepEqual(forwarded.body, (await get(owner.url, seriesPath)).body, 'the owner\'s own answer');
    for (const path of ['hosts', 'templates']) {
      const answer = await get(other.url, `/rollouts/${encodeURIComponent(target)}/${path}`);
      assert.equal(answer.status, 200, path);
      assert.equal(answer.servedFrom, `owner ${owner.url}`, path);
    }
    // A Flagger gate for a canary the non-owner has never seen: the owner answers it (ties its checksum to a release).
    const flagger = async (base: string): Promise<{ status: number; servedFrom: string | null; decision: unknown }> => {
      const res = await fetch(`${base}/api/v1/flagger/gate`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ name: target, namespace: 'ns' }), signal: AbortSignal.timeout(10_000) });
      return { status: res.status, servedFrom: res.headers.get('x-rollwatch-served-from'), decision: ((await res.json()) as { decision?: unknown }).decision };
    };
    const [gateViaOther, gateOnOwner] = [await flagger(other.url), await flagger(owner.url)];
    assert.deepEqual({ status: gateViaOther.status, decision: gateViaOther.decision }, { status: gateOnOwner.status, decision: gateOnOwner.decision });
    assert.equal(gateViaOther.servedFrom, `owner ${owner.url}`);

    const before = JSON.stringify(forwarded.body);
    await cluster.bus.publish(TOPICS.events, Array.from({ length: 8 }, (_, n) => healthyEvent(target, 100 + n, Date.now())).map((e) => ({ key: target, value: JSON.stringify(e) })));
    await waitFor('the owner analysed the new events', async () => JSON.stringify((await get(owner.url, seriesPath)).body) !== before, { timeoutMs: 30_000, intervalMs: 200 });
    const live = await get(other.url, seriesPath);
    assert.equal(live.servedFrom, `owner ${owner.url}`);
    assert.deepEqual(live.body, (await get(owner.url, seriesPath)).body, 'the non-owner shows the owner\'s live series at once');

    // The owner dies: the survivor never forwards to it; it answers from the checkpoint, or from its own state once assigned.
    await owner.kill();
    const after = await get(other.url, seriesPath);
    assert.equal(after.status, 200, JSON.stringify(after.body));
    assert.ok(after.servedFrom === null || after.servedFrom.startsWith('checkpoint '), `served from ${after.servedFrom}`);
    const verdictAfter = await get(other.url, `/rollouts/${encodeURIComponent(target)}/verdict`);
    assert.ok(Number(verdictAfter.body.sequence) > 0, 'the verdict view still answers with the owner gone');
  });
});
