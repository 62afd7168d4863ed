import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TOPICS, verdictSchema, type RollwatchEventInput, type Subscription, type Verdict } from '@rollwatch/core';
import { crashLoopEvents, healthyEvent, runTag } from '../harness/events.js';
import { ReplicaCluster } from '../harness/replicas.js';
import type { ServiceProcess } from '../harness/service-process.js';
import { waitFor } from '../harness/wait.js';

/**
 * Detectors scaled out on real Kafka (12 partitions) and Elasticsearch: 3 detector processes share
 * the consumer group while 500 rollouts stream; one is SIGKILLed and one added mid-run. Every
 * rollout's verdicts must be numbered 1, 2, 3... exactly once (one writer), its final decision must
 * equal a single-replica control run of the same events, and no rollout may fall back to `pending`
 * after a decision (a verdict judged on partial data after a rebalance). Restore times are reported.
 */
const PARTITIONS = 12;
const ROLLOUTS = 500;
const HISTORY_MS = 2 * 60 * 60 * 1000;

/** Identical content per index for both runs (only the rollout prefix differs), far enough in the past that the evaluation time is each rollout's own timeline. */
function scenario(prefix: string, t0: number): Map<string, RollwatchEventInput[]> {
  const rollouts = new Map<string, RollwatchEventInput[]>();
  for (let i = 0; i < ROLLOUTS; i++) {
    const rollout = `${prefix}r${i}`;
    rollouts.set(rollout, i % 2 === 0 ? crashLoopEvents(rollout, 4 + (i % 3), t0) : Array.from({ length: 12 }, (_, n) => healthyEvent(rollout, n, t0)));
  }
  return rollouts;
}

/** The `part`-th third of every rollout's events, so every rollout is mid-stream when replicas come and go. */
function wave(rollouts: Map<string, RollwatchEventInput[]>, part: 0 | 1 | 2): { key: string; value: string }[] {
  const messages: { key: string; value: string }[] = [];
  for (const [rollout, events] of rollouts) {
    const third = Math.ceil(events.length / 3);
    for (const event of events.slice(part * third, (part + 1) * third)) messages.push({ key: rollout, value: JSON.stringify(event) });
  }
  return messages;
}

describe('detector scale-out: partition-owned state, one writer of verdicts', { timeout: 900_000 }, () => {
  let cluster: ReplicaCluster;
  let verdictReader: Subscription;
  const run = runTag();
  const seen = new Map<string, Verdict[]>();
  let lastVerdictAt = Date.now();

  before(async () => {
    cluster = await ReplicaCluster.start({ partitions: PARTITIONS, run, clientPrefix: 'scale' });
  });

  after(async () => {
    await verdictReader?.stop();
    await cluster?.stop();
  });

  const detector = (group: string, fromBeginning = true): Promise<ServiceProcess> =>
    cluster.detector(group, { DETECTOR_EVALUATION_INTERVAL_MS: '2000', DETECTOR_FROM_BEGINNING: String(fromBeginning), DETECTOR_CHECKPOINT_INTERVAL_MS: '3000', LOG_LEVEL: 'info' });

  async function publish(messages: { key: string; value: string }[]): Promise<void> {
    for (let i = 0; i < messages.length; i += 500) await cluster.bus.publish(TOPICS.events, messages.slice(i, i + 500));
  }

  const groupStable = (group: string, members: number) => cluster.groupStable(group, members);
  const caughtUp = (group: string) => cluster.caughtUp(group, TOPICS.events);

  async function quiet(rollouts: Iterable<string>, ms: number): Promise<void> {
    const list = [...rollouts];
    await waitFor('a verdict for every rollout', () => list.every((r) => seen.has(r)), { timeoutMs: 300_000, intervalMs: 500 });
    await waitFor(`no new verdict for ${ms} ms`, () => Date.now() - lastVerdictAt > ms, { timeoutMs: 300_000, intervalMs: 250 });
  }

  interface Restore {
    partitions: number[];
    fromCheckpoint: number[];
    rollouts: number;
    events: number;
    durationMs: number;
  }
  function restoreLines(p: ServiceProcess): Restore[] {
    return p
      .output()
      .split('\n')
      .filter((line) => line.includes('"partitions restored"'))
      .map((line) => JSON.parse(line) as Restore);
  }

  it('3 replicas, one SIGKILLed and one added mid-run: gap-free sequences, control decisions, no partial-data verdicts', async () => {
    const t0 = Date.now() - HISTORY_MS;
    const control = scenario(`ctl-${run}-`, t0);
    const scaled = scenario(`scl-${run}-`, t0);

    // Control: one replica, the same events under other rollout ids.
    const single = await detector(`ctl-detector-${run}`);
    await single.start();
    await single.ready(120_000);
    // The reader joins once the broker's group coordinator is up (the control replica's group is).
    await waitFor('control replica in its group', () => groupStable(`ctl-detector-${run}`, 1), { timeoutMs: 120_000, intervalMs: 500 });
    verdictReader = await cluster.bus.subscribe({
      topics: [TOPICS.verdicts],
      groupId: `scale-reader-${run}`,
      fromBeginning: true,
      handler: async (batch) => {
        for (const m of batch) {
          const verdict = verdictSchema.parse(JSON.parse(m.value));
          seen.set(verdict.rollout, [...(seen.get(verdict.rollout) ?? []), verdict]);
        }
        lastVerdictAt = Date.now();
      },
    });
    await waitFor('verdict reader in its group', () => groupStable(`scale-reader-${run}`, 1), { timeoutMs: 120_000, intervalMs: 500 });
    await publish([...wave(control, 0), ...wave(control, 1), ...wave(control, 2)]);
    await waitFor('control caught up', () => caughtUp(`ctl-detector-${run}`), { timeoutMs: 300_000, intervalMs: 500 });
    await quiet(control.keys(), 5000);
    await single.stop();
    const expected = new Map([...control.keys()].map((r, i) => [i, seen.get(r)!.at(-1)!.decision]));
    assert.ok([...expected.values()].includes('no-go') && [...expected.values()].some((d) => d !== 'no-go'), `a mixed control: ${JSON.stringify([...new Set(expected.values())])}`);

    // Scaled: three replicas, joined before the first event (the group starts at the end of the topic).
    const group = `scl-detector-${run}`;
    const replicas = [await detector(group, false), await detector(group, false), await detector(group, false)];
    await Promise.all(replicas.map((r) => r.start()));
    await Promise.all(replicas.map((r) => r.ready(120_000)));
    await waitFor('3 replicas in the group', () => groupStable(group, 3), { timeoutMs: 120_000, intervalMs: 500 });

    await publish(wave(scaled, 0));
    await waitFor('wave 1 consumed', () => caughtUp(group), { timeoutMs: 300_000, intervalMs: 500 });
    const killedAt = Date.now();
    await replicas[1]!.kill();
    await publish(wave(scaled, 1));
    const added = await detector(group, false);
    await added.start();
    await publish(wave(scaled, 2));
    await waitFor('3 live replicas in the group again', () => groupStable(group, 3), { timeoutMs: 180_000, intervalMs: 500 });
    await waitFor('everything consumed', () => caughtUp(group), { timeoutMs: 300_000, intervalMs: 500 });
    await quiet(scaled.keys(), 8000);
    console.log(`# rebalance: replica killed at +0 s, all caught up after ${Math.round((Date.now() - killedAt) / 1000)} s`);

    const problems: string[] = [];
    [...scaled.keys()].forEach((rollout, i) => {
      const verdicts = seen.get(rollout) ?? [];
      const sequences = verdicts.map((v) => v.sequence);
      const gapFree = sequences.every((s, k) => s === k + 1);
      if (!gapFree) problems.push(`${rollout}: sequences ${JSON.stringify(sequences)}`);
      const final = verdicts.at(-1)?.decision;
      if (final !== expected.get(i)) problems.push(`${rollout}: final ${final}, control ${expected.get(i)}`);
      const firstDecided = verdicts.findIndex((v) => v.decision !== 'pending');
      if (firstDecided >= 0 && verdicts.slice(firstDecided).some((v) => v.decision === 'pending')) problems.push(`${rollout}: pending after a decision ${JSON.stringify(verdicts.map((v) => v.decision))}`);
    });
    assert.deepEqual(problems.slice(0, 20), [], `${problems.length} problem(s)`);

    const restores = [...replicas, added].flatMap((r) => restoreLines(r)).filter((l) => l.partitions.length > 0);
    assert.ok(restores.length > 3, 'partitions were restored on assignment (start-up and rebalances)');
    // (The first replica to join may briefly hold all 12 partitions; once the group is complete each holds its share.)
    assert.ok(restores.some((r) => r.partitions.length <= PARTITIONS / 2), 'replicas restore only their assigned partitions');
    const fromCheckpoint = restores.filter((r) => r.fromCheckpoint.length > 0);
    assert.ok(fromCheckpoint.length > 0, 'the rebalances after the SIGKILL restored from checkpoints');
    const describe = (list: Restore[]) => `${list.length} restore(s), slowest ${Math.max(0, ...list.map((r) => r.durationMs))} ms, ${list.reduce((s, r) => s + r.events, 0)} events replayed, ${list.reduce((s, r) => s + r.rollouts, 0)} rollouts`;
    console.log(`# restores from checkpoints: ${describe(fromCheckpoint)}; from the stored events only: ${describe(restores.filter((r) => r.fromCheckpoint.length === 0))}`);
  });
});
