import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import { KafkaBus, TOPICS, type RollwatchEventInput } from '@rollwatch/core';
import { ensureElasticsearch, ensureKafka, freePort, type ElasticsearchServer, type KafkaServer } from '@rollwatch/testkit';
import { crashLoopEvents, healthyEvent, runTag } from '../harness/events.js';
import { ServiceProcess } from '../harness/service-process.js';
import { killAll, serviceEnv } from '../harness/stack.js';
import { waitFor } from '../harness/wait.js';

/**
 * Any detector replica answers the whole read API, on real Kafka and Elasticsearch: two replicas
 * share the consumer group; each materialises rollwatch.verdicts, so `/verdict` on either answers
 * every rollout with the owner's latest sequence, and `/series` on the replica that does not own a
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
  let kafka: KafkaServer;
  let es: ElasticsearchServer;
  let bus: KafkaBus;
  let admin: ReturnType<Kafka['admin']>;
  const run = runTag();
  const group = `ra-detector-${run}`;
  const replicas: ServiceProcess[] = [];

  before(async () => {
    [kafka, es] = await Promise.all([ensureKafka({ fresh: true }), ensureElasticsearch()]);
    bus = new KafkaBus({ brokers: kafka.brokers, clientId: `ra-${run}`, partitions: PARTITIONS });
    await bus.ensureTopics();
    admin = new Kafka({ clientId: `ra-admin-${run}`, brokers: kafka.brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
  });

  after(async () => {
    await killAll(replicas);
    await admin?.disconnect();
    await bus?.close();
    await kafka?.stop();
    await es?.stop();
  });

  async function replica(): Promise<ServiceProcess> {
    const port = await freePort();
    const env = serviceEnv('detector', { kafkaBootstrap: kafka.bootstrap, elasticsearchUrl: es.url }, run, {
      KAFKA_PARTITIONS: String(PARTITIONS),
      DETECTOR_CONSUMER_GROUP: group,
      DETECTOR_EVALUATION_INTERVAL_MS: '1000',
      DETECTOR_CHECKPOINT_INTERVAL_MS: '2000',
      DETECTOR_ADVERTISED_URL: `http://127.0.0.1:${port}`,
      ROLLWATCH_API_TOKEN: TOKEN,
    });
    const p = new ServiceProcess({ name: 'detector', env, port });
    replicas.push(p);
    await p.start();
    await p.ready(120_000);
    return p;
  }

  async function groupStable(members: number): Promise<boolean> {
    const { groups } = await admin.describeGroups([group]);
    return groups[0]?.state === 'Stable' && groups[0].members.length === members;
  }

  /** Which replica holds the rollout in its engine (`location: local` in /rollouts/{id}). */
  async function ownerOf(rollout: string, among: ServiceProcess[]): Promise<ServiceProcess | undefined> {
    for (const r of among) if ((await get(r.url, `/rollouts/${encodeURIComponent(rollout)}`)).body.location === 'local') return r;
    return undefined;
  }

  it('2 replicas: the same latest verdict everywhere, /series forwarded to the owner, checkpoint when it is gone', async () => {
    const [a, b] = [await replica(), await replica()];
    await waitFor('2 replicas in the group', () => groupStable(2), { timeoutMs: 120_000, intervalMs: 500 });

    const t0 = Date.now();
    const rollouts = Array.from({ length: ROLLOUTS }, (_, i) => `ra-${run}-r${i}`);
    const plain = (rollout: string, i: number): RollwatchEventInput[] => (i % 2 === 0 ? crashLoopEvents(rollout, 4, t0) : Array.from({ length: 12 }, (_, n) => healthyEvent(rollout, n, t0)));
    // Every fourth rollout reports a revision: asked by id alone, a non-owner must find its key in its view.
    const events = (rollout: string, i: number): RollwatchEventInput[] => plain(rollout, i).map((e) => (i % 4 === 3 ? { ...e, revision: `rev${i}` } : e));
    await bus.publish(TOPICS.events, rollouts.flatMap((r, i) => events(r, i).map((e) => ({ key: r, value: JSON.stringify(e) }))));

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
    await bus.publish(TOPICS.events, Array.from({ length: 8 }, (_, n) => healthyEvent(target, 100 + n, Date.now())).map((e) => ({ key: target, value: JSON.stringify(e) })));
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
