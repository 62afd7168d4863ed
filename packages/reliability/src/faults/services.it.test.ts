import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { INDICES, type RollwatchEventInput } from '@rollwatch/core';
import { ensureElasticsearch, ensureKafka, type ElasticsearchServer, type KafkaServer } from '@rollwatch/testkit';
import { EsProbe } from '../harness/elasticsearch.js';
import { crashLoopEvents, healthyEvent, pushEvents, runTag } from '../harness/events.js';
import { rawRequest } from '../harness/http.js';
import { FaultyReceiver } from '../harness/receiver.js';
import type { ServiceProcess } from '../harness/service-process.js';
import { killAll, serviceProcess } from '../harness/stack.js';
import { sleep, waitFor } from '../harness/wait.js';

/**
 * Service processes SIGKILLed at the worst moment, on real Kafka + Elasticsearch:
 *   - detector killed mid-analysis: the same verdicts as an identical run without the kill, and
 *     no duplicate anomaly documents;
 *   - alerts killed between deciding and acting (the actuator call is in flight): after restart
 *     the action happens exactly once (the receiver counts 2xx per webhook-id);
 *   - webhook receivers failing (500, 429 + Retry-After, hanging, down): retries with backoff,
 *     then dead-letter, then `POST /api/v1/dlq/replay` delivers, still once per key.
 */
const decisionOf = async (detector: ServiceProcess, rollout: string): Promise<string | undefined> => {
  const r = await rawRequest(detector.url, 'GET', `/api/v1/rollouts/${encodeURIComponent(rollout)}/verdict`);
  return r.status === 200 ? (r.json as { decision: string }).decision : undefined;
};

/** A mixed set of rollouts: crash-looping canaries (no-go) and healthy ones. */
function scenario(prefix: string): Map<string, RollwatchEventInput[]> {
  const rollouts = new Map<string, RollwatchEventInput[]>();
  for (let i = 0; i < 3; i++) rollouts.set(`${prefix}bad-${i}`, crashLoopEvents(`${prefix}bad-${i}`, 4 + i));
  for (let i = 0; i < 3; i++) {
    const r = `${prefix}good-${i}`;
    rollouts.set(r, Array.from({ length: 40 }, (_, n) => healthyEvent(r, n)));
  }
  return rollouts;
}

describe('service faults: detector and alerts SIGKILLed, receivers failing', { timeout: 600_000 }, () => {
  let kafka: KafkaServer;
  let es: ElasticsearchServer;
  let esProbe: EsProbe;
  const run = runTag();
  const receiver = new FaultyReceiver();
  const processes: ServiceProcess[] = [];
  let backends: { kafkaBootstrap: string; elasticsearchUrl: string };
  let ingest: ServiceProcess;

  before(async () => {
    [kafka, es] = await Promise.all([ensureKafka(), ensureElasticsearch()]);
    esProbe = new EsProbe(es.url);
    await receiver.up();
    backends = { kafkaBootstrap: kafka.bootstrap, elasticsearchUrl: es.url };
    ingest = serviceProcess('ingest', backends, run);
    processes.push(ingest);
    await ingest.start();
    await ingest.ready(90_000);
  });

  after(async () => {
    await killAll(processes);
    await receiver.down();
    await kafka?.stop();
    await es?.stop();
  });

  async function push(events: RollwatchEventInput[]): Promise<void> {
    const r = await pushEvents(ingest.url, events);
    assert.equal(r.status, 202, r.body);
  }

  async function settledDecisions(detector: ServiceProcess, rollouts: string[], expectNoGo: string[]): Promise<Map<string, string | undefined>> {
    try {
      await waitFor('no-go for every crash-looping rollout', async () => {
        for (const r of expectNoGo) if ((await decisionOf(detector, r)) !== 'no-go') return false;
        return true;
      }, { timeoutMs: 90_000, intervalMs: 500 });
    } catch (error) {
      const seen = await Promise.all(rollouts.map(async (r) => `${r}=${await decisionOf(detector, r)}`));
      throw new Error(`${(error as Error).message}; decisions: ${seen.join(', ')}; detector output:\n${detector.output().slice(-3000)}`, { cause: error });
    }
    await sleep(2500); // two evaluation intervals: time-based rules settle too
    const out = new Map<string, string | undefined>();
    for (const r of rollouts) out.set(r, await decisionOf(detector, r));
    return out;
  }

  async function anomalyCounts(rollouts: string[]): Promise<number[]> {
    await esProbe.refresh();
    return Promise.all(rollouts.map((r) => esProbe.countByRollout(INDICES.anomalies, r)));
  }

  it('detector SIGKILLed mid-analysis: same verdicts as a run without the kill, no duplicate anomalies', async () => {
    // Control run: one detector, no kill.
    const control = scenario(`dk-${run}-control-`);
    const controlDetector = serviceProcess('detector', backends, `${run}-control`);
    processes.push(controlDetector);
    await controlDetector.start();
    await controlDetector.ready(90_000);
    await sleep(3000); // the consumer group joins before the events arrive (it starts at the end)
    for (const events of control.values()) await push(events);
    const controlNames = [...control.keys()];
    const controlDecisions = await settledDecisions(controlDetector, controlNames, controlNames.filter((r) => r.includes('bad-')));
    const controlAnomalies = await anomalyCounts(controlNames);
    await controlDetector.stop();

    // Same events under other rollout names; the detector is SIGKILLed halfway through.
    const killed = scenario(`dk-${run}-killed-`);
    const detector = serviceProcess('detector', backends, `${run}-killed`);
    processes.push(detector);
    await detector.start();
    await detector.ready(90_000);
    await sleep(3000);
    const entries = [...killed.entries()];
    for (const [, events] of entries) await push(events.slice(0, Math.ceil(events.length / 2)));
    await waitFor('the detector to store some of the first half', async () => {
      await esProbe.refresh();
      return (await esProbe.countByRolloutPrefix(INDICES.events, `dk-${run}-killed-`)) > 0;
    }, { timeoutMs: 30_000 });
    await detector.kill();
    for (const [, events] of entries) await push(events.slice(Math.ceil(events.length / 2)));
    await sleep(1000);
    const restartStarted = Date.now();
    await detector.start();
    await detector.ready(90_000);
    const killedNames = [...killed.keys()];
    const killedDecisions = await settledDecisions(detector, killedNames, killedNames.filter((r) => r.includes('bad-')));
    const killedAnomalies = await anomalyCounts(killedNames);
    const compare = controlNames.map((r, i) => `${r.replace(/.*-control-/, '')}: ${controlDecisions.get(r)}/${killedDecisions.get(killedNames[i]!)} anomalies ${controlAnomalies[i]}/${killedAnomalies[i]}`);
    console.log(`# detector kill: control/killed → ${compare.join('; ')}; verdicts settled ${Date.now() - restartStarted} ms after restart`);
    controlNames.forEach((r, i) => {
      assert.equal(killedDecisions.get(killedNames[i]!), controlDecisions.get(r), `decision of ${killedNames[i]} differs from the run without the kill`);
      assert.equal(killedAnomalies[i], controlAnomalies[i], `anomaly documents of ${killedNames[i]}: ${killedAnomalies[i]} vs ${controlAnomalies[i]} without the kill`);
    });
    // Every event exactly once.
    for (const [r, events] of killed) assert.equal(await esProbe.countByRollout(INDICES.events, r), events.length, `${r}: stored events`);
    await detector.stop();
  });

  it('alerts SIGKILLed between deciding and acting: the action happens exactly once after restart', async () => {
    const detector = serviceProcess('detector', backends, `${run}-alerts`);
    const alerts = serviceProcess('alerts', backends, run, { ALERTS_ACTUATOR: 'webhook', ALERTS_ACTUATOR_URL: `${receiver.url}/actuate`, ALERTS_ACTUATION_TARGETS: '*/*', ALERTS_HTTP_TIMEOUT_MS: '30000' });
    processes.push(detector, alerts);
    await Promise.all([detector.start(), alerts.start()]);
    await Promise.all([detector.ready(90_000), alerts.ready(90_000)]);
    await sleep(3000);
    const rollout = `ak-${run}/checkout`;
    const mine = () => receiver.calls.filter((c) => c.path === '/actuate' && c.body.includes(rollout));
    receiver.mode = { kind: 'hang' }; // alerts decided and is mid-call when it dies
    await push(crashLoopEvents(rollout));
    await waitFor('the actuator call to be in flight', () => mine().length >= 1, { timeoutMs: 90_000 });
    await alerts.kill();
    receiver.mode = { kind: 'ok' };
    const restartedAt = Date.now();
    // The dead member still holds the partition until its Kafka session (30 s) expires and the
    // group rebalances (kafkajs rebalance timeout 60 s): recovery is bounded by those, not by alerts.
    await alerts.start();
    await waitFor('the action to complete after restart', () => [...receiver.successesByKey((c) => c.path === '/actuate' && c.body.includes(rollout)).values()].length >= 1, { timeoutMs: 150_000 }).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}; ${mine().length} call(s) for the rollout; alerts output:\n${alerts.output().slice(-4000)}`);
    });
    await sleep(5000); // would a second delivery follow?
    const successes = receiver.successesByKey((c) => c.path === '/actuate' && c.body.includes(rollout));
    console.log(`# alerts kill: ${mine().length} actuator call(s) (first hung, process SIGKILLed), successes per key ${JSON.stringify([...successes.values()])}, acted ${Date.now() - restartedAt} ms after restart`);
    assert.equal(successes.size, 1, `one action (one idempotency key): ${JSON.stringify([...successes.keys()])}`);
    assert.deepEqual([...successes.values()], [1], 'acted exactly once');
    const firstKey = FaultyReceiver.keyOf(mine()[0]!);
    assert.ok(successes.has(firstKey), 'the retried call reuses the idempotency key of the interrupted one');
    await alerts.stop();
    await detector.stop();
  });

  it('receivers failing (500, 429 Retry-After, hang, down): retry with backoff, then DLQ, then replay delivers once', async () => {
    const slack = new FaultyReceiver();
    await slack.up();
    const detector = serviceProcess('detector', backends, `${run}-dlq`);
    const alerts = serviceProcess('alerts', backends, `${run}-dlq`, {
      ALERTS_ACTUATOR: 'webhook',
      ALERTS_ACTUATOR_URL: `${receiver.url}/dlq-actuate`,
      ALERTS_ACTUATION_TARGETS: '*/*',
      ALERTS_SLACK_WEBHOOK_URL: `${slack.url}/services/T/B/x`,
      ALERTS_RETRY_MAX_ATTEMPTS: '4',
      ALERTS_HTTP_TIMEOUT_MS: '1000',
    });
    processes.push(detector, alerts);
    await Promise.all([detector.start(), alerts.start()]);
    await Promise.all([detector.ready(90_000), alerts.ready(90_000)]);
    await sleep(3000);
    const rollout = `dlq-${run}/checkout`;
    const actuations = () => receiver.calls.filter((c) => c.path === '/dlq-actuate' && c.body.includes(rollout));
    // Actuator: 429 with Retry-After 1 s, then 500, then hangs (timeouts); Slack: down entirely.
    let n = 0;
    receiver.mode = { kind: 'throttle', retryAfterSeconds: 1 };
    const modes = [{ kind: 'throttle', retryAfterSeconds: 1 }, { kind: 'error', status: 500 }, { kind: 'hang' }] as const;
    const rotate = setInterval(() => {
      const count = actuations().length;
      if (count !== n) {
        n = count;
        receiver.mode = modes[Math.min(count, modes.length - 1)]!;
      }
    }, 20);
    await slack.down();
    await push(crashLoopEvents(rollout));
    const dead = await waitFor('the actuation to be dead-lettered', async () => {
      const r = await rawRequest(alerts.url, 'GET', `/api/v1/actions?rollout=${encodeURIComponent(rollout)}`);
      const items = (r.json as { items?: { status: string; kind: string; target: string; attempts: number }[] }).items ?? [];
      const deadOnes = items.filter((i) => i.status === 'dead-lettered' || i.status === 'failed');
      return deadOnes.some((i) => i.target.includes('actuator')) && deadOnes.some((i) => i.target.includes('slack')) ? deadOnes : undefined;
    }, { timeoutMs: 120_000, intervalMs: 1000 }).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}; ${actuations().length} actuator call(s), ${slack.calls.length} Slack call(s); alerts output:\n${alerts.output().split('\n').filter((l) => !l.includes('"level":20')).join('\n').slice(-4000)}`);
    });
    clearInterval(rotate);
    const calls = actuations();
    const gaps = calls.slice(1).map((c, i) => c.at - calls[i]!.at);
    assert.ok(calls.length >= 2, `retried: ${calls.length} call(s)`);
    assert.ok(gaps[0]! >= 900, `a 429 with Retry-After: 1 was honoured (next call after ${gaps[0]} ms)`);
    assert.equal(receiver.successesByKey((c) => c.path === '/dlq-actuate' && c.body.includes(rollout)).size, 0);
    // Receivers are back: replay.
    receiver.mode = { kind: 'ok' };
    await slack.up();
    const replay = await rawRequest(alerts.url, 'POST', '/api/v1/dlq/replay', { body: JSON.stringify({ rollout }), headers: { 'content-type': 'application/json' } });
    assert.equal(replay.status, 200, replay.text);
    const replayBody = replay.json as { replayed: number; succeeded: number };
    assert.ok(replayBody.replayed >= 2 && replayBody.succeeded === replayBody.replayed, replay.text);
    const successes = receiver.successesByKey((c) => c.path === '/dlq-actuate' && c.body.includes(rollout));
    assert.deepEqual([...successes.values()], [1], 'the actuation was delivered exactly once by the replay');
    assert.equal(slack.calls.filter((c) => typeof c.answered === 'number' && c.answered < 300).length >= 1, true, 'Slack delivered by the replay');
    // A second replay right away delivers nothing twice. (It may still LIST the letters: the
    // dead-letter search runs on Elasticsearch's near-real-time index; the executor's audit check
    // is what keeps it from acting again.)
    const again = await rawRequest(alerts.url, 'POST', '/api/v1/dlq/replay', { body: JSON.stringify({ rollout }), headers: { 'content-type': 'application/json' } });
    assert.equal(again.status, 200, again.text);
    await sleep(2000);
    assert.deepEqual([...receiver.successesByKey((c) => c.path === '/dlq-actuate' && c.body.includes(rollout)).values()], [1], 'a second replay did not act again');
    assert.equal(slack.calls.filter((c) => typeof c.answered === 'number' && c.answered < 300).length, 1, 'Slack delivered once');
    await sleep(2000);
    const third = await rawRequest(alerts.url, 'POST', '/api/v1/dlq/replay', { body: JSON.stringify({ rollout }), headers: { 'content-type': 'application/json' } });
    assert.equal((third.json as { replayed: number }).replayed, 0, `after the index refreshed nothing is dead any more: ${third.text}`);
    console.log(`# receivers down: ${calls.length} actuator attempts (gaps ${gaps.join(', ')} ms: 429/Retry-After, 500, timeout), dead-lettered ${dead.length} action(s) (${dead.map((d) => `${d.target}:${d.attempts} attempts`).join(', ')}), replay ${replay.text.slice(0, 120)}`);
    await slack.down();
    await alerts.stop();
    await detector.stop();
  });
});

