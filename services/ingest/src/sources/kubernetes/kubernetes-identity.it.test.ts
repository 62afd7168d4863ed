import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { createLogger, parseEvent, rolloutKey } from '@rollwatch/core';
import { DEFAULT_MAPPING_RULES, resolveRevision, resolveRolloutAndGroup, type MappingRules } from '../../mapping/rules.js';
import type { SourceEvent } from '../interface.js';
import { resolveKubernetesSourceConfig } from './config.js';
import { KubernetesSource } from './kubernetes-source.js';
import { CollectingSink } from './testing/collecting-sink.js';
import { FakeApiServer } from './testing/fake-apiserver.js';
import { loadRecordedCluster } from './testing/recorded.js';

// Identity of Kubernetes rollouts, from recorded Argo Rollouts and Flagger objects: the same
// workload names in two namespaces, and two revisions of the prod ones. The source's labels go
// through the real mapping rules, as the ingest pipeline does.
const logger = createLogger('kubernetes-identity-test', 'silent');

let fake: FakeApiServer | undefined;
let source: KubernetesSource | undefined;

afterEach(async () => {
  await source?.stop();
  await fake?.close();
  source = undefined;
  fake = undefined;
});

/** [pod, rollout id, group, revision] of every oom_killed event, as the pipeline would key them. */
function identities(events: SourceEvent[], rules: MappingRules = DEFAULT_MAPPING_RULES): string[][] {
  return events
    .filter((e) => e.type === 'oom_killed')
    .map((e) => {
      const target = resolveRolloutAndGroup(e, rules);
      assert.ok(target, `event ${e.id} has a rollout`);
      const revision = resolveRevision(e);
      assert.ok(parseEvent({ ...e, ...target, revision }).ok, 'the mapped event is valid event v1');
      return [e.instance, target.rollout, target.group, revision ?? '-'];
    })
    .sort((a, b) => a[0]!.localeCompare(b[0]!));
}

describe('Kubernetes rollout identity: namespace and revision (recorded Argo Rollouts and Flagger objects)', () => {
  it('keys prod/checkout and staging/checkout apart, and gives each new release its own revision', async () => {
    const recorded = loadRecordedCluster('argo-flagger-two-namespaces');
    fake = await FakeApiServer.start();
    for (const n of recorded.nodes) fake.upsert('nodes', n);
    for (const r of recorded.revisionA.rollouts) fake.upsert('rollouts', r);
    for (const p of recorded.revisionA.pods) fake.upsert('pods', p);
    const config = resolveKubernetesSourceConfig({ KUBECONFIG: fake.writeKubeconfig(), K8S_RESYNC_SECONDS: 0, K8S_INITIAL_LOOKBACK_SECONDS: 3600 }, {});
    source = new KubernetesSource(config, logger, { random: () => 1 });
    const sink = new CollectingSink();
    await source.start(sink);
    await source.waitForSync();

    for (const p of recorded.revisionA.oomKilled) fake.upsert('pods', p);
    await sink.waitFor((events) => events.filter((e) => e.type === 'oom_killed').length >= 4, 5000, 'four OOM kills of revision A');
    const revisionA = identities(sink.events);
    assert.deepEqual(revisionA, [
      // Argo: canary and stable pods of one Rollout share the Rollout's current pod-template hash.
      ['checkout-5b4a3c2d1-m9w4z', 'prod/checkout', 'canary', '5b4a3c2d1'],
      ['checkout-6c8d9f7b4-p3v8n', 'staging/checkout', 'stable', '5b4a3c2d1'],
      // Flagger: the target is the canary (its -primary exists), the primary takes the canary's hash.
      ['podinfo-84c9b7d6f-q2w3e', 'prod/podinfo', 'canary', '84c9b7d6f'],
      ['podinfo-primary-7f6d5c4b3-z8x7c', 'staging/podinfo', 'baseline', '84c9b7d6f'],
    ]);
    assert.deepEqual(sink.invalid, []);

    // Revision B in prod: Argo aborted A and rolls out a new hash; Flagger sees a new canary spec.
    const seen = sink.events.length;
    for (const r of recorded.revisionB.rollouts) fake.upsert('rollouts', r);
    for (const p of recorded.revisionB.deletedPods ?? []) fake.remove('pods', p);
    for (const p of recorded.revisionB.pods) fake.upsert('pods', p);
    await sink.waitFor((events) => events.slice(seen).filter((e) => e.type === 'container_start').length >= 2, 5000, 'the new canary pods to start');
    for (const p of recorded.revisionB.oomKilled) fake.upsert('pods', p);
    await sink.waitFor((events) => events.slice(seen).filter((e) => e.type === 'oom_killed').length >= 3, 5000, 'three OOM kills of revision B');
    const revisionB = identities(sink.events.slice(seen));
    assert.deepEqual(revisionB, [
      ['checkout-9e8f7a6b5-d4s3a', 'prod/checkout', 'canary', '9e8f7a6b5'],
      ['podinfo-5d4c3b2a1-f5g6h', 'prod/podinfo', 'canary', '5d4c3b2a1'],
      ['podinfo-primary-7f6d5c4b3-h4j8k', 'prod/podinfo', 'baseline', '5d4c3b2a1'],
    ]);
    // Four distinct analyses: the old revision's history is not the new one's.
    const keys = new Set([...revisionA, ...revisionB].map(([, rollout, , revision]) => rolloutKey(rollout!, revision)));
    assert.deepEqual([...keys].sort(), ['prod/checkout@5b4a3c2d1', 'prod/checkout@9e8f7a6b5', 'prod/podinfo@5d4c3b2a1', 'prod/podinfo@84c9b7d6f', 'staging/checkout@5b4a3c2d1', 'staging/podinfo@84c9b7d6f']);

    // With ROLLWATCH_CLUSTER the cluster is the id's first segment.
    const clustered = identities(sink.events.slice(seen), { ...DEFAULT_MAPPING_RULES, cluster: 'eu-west-1' });
    assert.deepEqual(clustered.map((row) => row[1]), ['eu-west-1/prod/checkout', 'eu-west-1/prod/podinfo', 'eu-west-1/prod/podinfo']);
  });
});
