import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ValidationError } from '@rollwatch/core';
import type { SourceEvent } from '../sources/interface.js';
import { compileRules, loadMappingRules } from './load.js';
import { DEFAULT_MAPPING_RULES, resolveRevision, resolveRolloutAndGroup, type MappingRules } from './rules.js';

function event(labels: Record<string, string>, extra: Partial<SourceEvent> = {}): SourceEvent {
  return { time: '2025-01-01T00:00:00Z', type: 'container_start', instance: 'i-1', labels, ...extra };
}

const defaults = DEFAULT_MAPPING_RULES;

describe('resolveRolloutAndGroup: explicit fields and plain labels', () => {
  it('keeps explicit rollout and group untouched', () => {
    assert.deepEqual(resolveRolloutAndGroup(event({ 'rollwatch.io/rollout': 'other' }, { rollout: 'web', group: 'baseline' }), defaults), { rollout: 'web', group: 'baseline' });
  });

  it('derives both from rollwatch.io/rollout and rollwatch.io/group', () => {
    assert.deepEqual(resolveRolloutAndGroup(event({ 'rollwatch.io/rollout': 'checkout', 'rollwatch.io/group': 'canary' }), defaults), { rollout: 'checkout', group: 'canary' });
  });

  it('defaults the group to other when only the rollout is labelled', () => {
    assert.deepEqual(resolveRolloutAndGroup(event({ 'rollwatch.io/rollout': 'checkout' }), defaults), { rollout: 'checkout', group: 'other' });
  });

  it('ignores an invalid group label value', () => {
    assert.deepEqual(resolveRolloutAndGroup(event({ 'rollwatch.io/rollout': 'checkout', 'rollwatch.io/group': 'green' }), defaults), { rollout: 'checkout', group: 'other' });
  });

  it('fills only the group when the producer named the rollout', () => {
    assert.deepEqual(resolveRolloutAndGroup(event({ 'rollwatch.io/group': 'stable' }, { rollout: 'web' }), defaults), { rollout: 'web', group: 'stable' });
    assert.deepEqual(resolveRolloutAndGroup(event({}, { rollout: 'web' }), defaults), { rollout: 'web', group: 'other' });
  });

  it('returns undefined when nothing identifies a rollout', () => {
    assert.equal(resolveRolloutAndGroup(event({ app: 'web' }), defaults), undefined);
    assert.equal(resolveRolloutAndGroup(event({}), defaults), undefined);
  });

  it('never throws on hostile input (non-string labels, labels not an object)', () => {
    const weird = [{ labels: 'x' }, { labels: null }, { labels: [1, 2] }, { labels: { 'rollwatch.io/rollout': 5 } }, { rollout: 42 }];
    for (const extra of weird) {
      assert.doesNotThrow(() => resolveRolloutAndGroup({ ...event({}), ...(extra as object) } as SourceEvent, defaults));
    }
    assert.equal(resolveRolloutAndGroup({ ...event({}), labels: { 'rollwatch.io/rollout': 5 } } as unknown as SourceEvent, defaults), undefined);
  });
});

describe('resolveRolloutAndGroup: Argo Rollouts', () => {
  it('compares the pod template hash with the stable hash', () => {
    const base = { 'rollwatch.io/argo-rollout': 'payments', 'rollwatch.io/argo-stable-hash': '6d8f7c9b4' };
    assert.deepEqual(resolveRolloutAndGroup(event({ ...base, 'rollouts-pod-template-hash': '6d8f7c9b4' }), defaults), { rollout: 'payments', group: 'stable' });
    assert.deepEqual(resolveRolloutAndGroup(event({ ...base, 'rollouts-pod-template-hash': '55c7b8d9f' }), defaults), { rollout: 'payments', group: 'canary' });
  });

  it('uses canaryMetadata/stableMetadata role labels when no stable hash is known', () => {
    assert.deepEqual(resolveRolloutAndGroup(event({ 'rollwatch.io/argo-rollout': 'payments', role: 'canary' }), defaults), { rollout: 'payments', group: 'canary' });
    assert.deepEqual(resolveRolloutAndGroup(event({ 'rollwatch.io/argo-rollout': 'payments', role: 'stable' }), defaults), { rollout: 'payments', group: 'stable' });
  });

  it('maps blue/green preview/active metadata to canary/stable', () => {
    assert.deepEqual(resolveRolloutAndGroup(event({ 'rollwatch.io/argo-rollout': 'web', role: 'preview' }), defaults), { rollout: 'web', group: 'canary' });
    assert.deepEqual(resolveRolloutAndGroup(event({ 'rollwatch.io/argo-rollout': 'web', role: 'active' }), defaults), { rollout: 'web', group: 'stable' });
  });

  it('falls back to other without any hint, and lets an explicit group label win', () => {
    assert.deepEqual(resolveRolloutAndGroup(event({ 'rollwatch.io/argo-rollout': 'web' }), defaults), { rollout: 'web', group: 'other' });
    assert.deepEqual(
      resolveRolloutAndGroup(event({ 'rollwatch.io/argo-rollout': 'web', 'rollouts-pod-template-hash': 'a', 'rollwatch.io/argo-stable-hash': 'b', 'rollwatch.io/group': 'baseline' }), defaults),
      { rollout: 'web', group: 'baseline' },
    );
  });

  it('takes the Argo group hint even when the rollout comes from rollwatch.io/rollout', () => {
    assert.deepEqual(resolveRolloutAndGroup(event({ 'rollwatch.io/rollout': 'web', role: 'canary' }), defaults), { rollout: 'web', group: 'canary' });
  });
});

describe('resolveRolloutAndGroup: Flagger and bare workloads', () => {
  it('maps <name>-primary to the baseline of rollout <name> and a marked Flagger target to its canary', () => {
    assert.deepEqual(resolveRolloutAndGroup(event({ 'rollwatch.io/workload': 'podinfo-primary' }), defaults), { rollout: 'podinfo', group: 'baseline' });
    assert.deepEqual(resolveRolloutAndGroup(event({ 'rollwatch.io/workload': 'podinfo', 'rollwatch.io/flagger': 'canary' }), defaults), { rollout: 'podinfo', group: 'canary' });
  });

  it('makes a plain workload group "other" by default: only explicit markers make a canary', () => {
    assert.equal(DEFAULT_MAPPING_RULES.workloadGroup, 'other');
    assert.deepEqual(resolveRolloutAndGroup(event({ 'rollwatch.io/workload': 'api' }), defaults), { rollout: 'api', group: 'other' });
    assert.deepEqual(resolveRolloutAndGroup(event({ 'rollwatch.io/workload': 'api', 'rollwatch.io/group': 'canary' }), defaults), { rollout: 'api', group: 'canary' });
    const legacy: MappingRules = { ...defaults, workloadGroup: 'canary' };
    assert.deepEqual(resolveRolloutAndGroup(event({ 'rollwatch.io/workload': 'api' }), legacy), { rollout: 'api', group: 'canary' });
  });

  it('does not strip a workload named exactly "-primary"', () => {
    assert.deepEqual(resolveRolloutAndGroup(event({ 'rollwatch.io/workload': '-primary' }), defaults), { rollout: '-primary', group: 'other' });
  });

  it('prefers the Argo rollout over the workload label', () => {
    assert.deepEqual(resolveRolloutAndGroup(event({ 'rollwatch.io/workload': 'payments', 'rollwatch.io/argo-rollout': 'payments', role: 'stable' }), defaults), { rollout: 'payments', group: 'stable' });
  });
});

describe('resolveRolloutAndGroup: Kubernetes ids are [<cluster>/]<namespace>/<name>', () => {
  it('keeps prod/checkout and staging/checkout apart, for Argo, Flagger and plain labels', () => {
    const argo = (ns: string) => event({ 'k8s.namespace': ns, 'rollwatch.io/workload': 'checkout', 'rollwatch.io/argo-rollout': 'checkout', 'rollouts-pod-template-hash': 'h2', 'rollwatch.io/argo-stable-hash': 'h1' });
    assert.deepEqual(resolveRolloutAndGroup(argo('prod'), defaults), { rollout: 'prod/checkout', group: 'canary' });
    assert.deepEqual(resolveRolloutAndGroup(argo('staging'), defaults), { rollout: 'staging/checkout', group: 'canary' });
    assert.deepEqual(resolveRolloutAndGroup(event({ 'k8s.namespace': 'prod', 'rollwatch.io/workload': 'podinfo-primary' }), defaults), { rollout: 'prod/podinfo', group: 'baseline' });
    assert.deepEqual(resolveRolloutAndGroup(event({ 'k8s.namespace': 'prod', 'rollwatch.io/rollout': 'web', 'rollwatch.io/group': 'canary' }), defaults), { rollout: 'prod/web', group: 'canary' });
  });

  it('prefixes the cluster when ROLLWATCH_CLUSTER is set, and only for Kubernetes events', () => {
    const rules: MappingRules = { ...defaults, cluster: 'eu-1' };
    assert.deepEqual(resolveRolloutAndGroup(event({ 'k8s.namespace': 'prod', 'rollwatch.io/workload': 'api' }), rules), { rollout: 'eu-1/prod/api', group: 'other' });
    assert.deepEqual(resolveRolloutAndGroup(event({ 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'api' }), rules), { rollout: 'shop/api', group: 'other' });
  });

  it('reads the revision from the event field, else the rollwatch.io/revision label', () => {
    assert.equal(resolveRevision({ ...event({ 'rollwatch.io/revision': 'label' }), revision: 'field' }), 'field');
    assert.equal(resolveRevision(event({ 'rollwatch.io/revision': 'v2' })), 'v2');
    assert.equal(resolveRevision(event({ app: 'x' })), undefined);
  });
});

describe('resolveRolloutAndGroup: Docker Compose', () => {
  it('maps project/service with the group label or other', () => {
    const compose = { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'api' };
    assert.deepEqual(resolveRolloutAndGroup(event(compose), defaults), { rollout: 'shop/api', group: 'other' });
    assert.deepEqual(resolveRolloutAndGroup(event({ ...compose, 'rollwatch.io/group': 'canary' }), defaults), { rollout: 'shop/api', group: 'canary' });
  });

  it('needs both compose labels', () => {
    assert.equal(resolveRolloutAndGroup(event({ 'com.docker.compose.project': 'shop' }), defaults), undefined);
  });

  it('lets rollwatch.io/rollout override the compose name', () => {
    assert.deepEqual(
      resolveRolloutAndGroup(event({ 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'api-canary', 'rollwatch.io/rollout': 'shop/api', 'rollwatch.io/group': 'canary' }), defaults),
      { rollout: 'shop/api', group: 'canary' },
    );
  });
});

describe('custom rules', () => {
  const rules: MappingRules = {
    ...defaults,
    custom: compileRules(
      [
        { match: { 'app.kubernetes.io/name': '.+', track: 'canary|stable' }, rollout: '${app.kubernetes.io/name}', group: '${track}' },
        { match: { $service: '(?<svc>[a-z]+)-v\\d+' }, rollout: 'svc-${svc}', group: 'baseline' },
        { match: { team: 'payments' }, rollout: '${missing}' },
      ],
      'INGEST_MAPPING_RULES',
    ),
  };

  it('substitutes labels in templates and uses a templated group', () => {
    assert.deepEqual(resolveRolloutAndGroup(event({ 'app.kubernetes.io/name': 'cart', track: 'canary' }), rules), { rollout: 'cart', group: 'canary' });
  });

  it('matches the whole value (web does not match web-2)', () => {
    const exact: MappingRules = { ...defaults, custom: compileRules([{ match: { app: 'web' }, rollout: 'web' }], 'x') };
    assert.deepEqual(resolveRolloutAndGroup(event({ app: 'web' }), exact), { rollout: 'web', group: 'other' });
    assert.equal(resolveRolloutAndGroup(event({ app: 'web-2' }), exact), undefined);
  });

  it('matches event fields with $field keys and substitutes named captures', () => {
    assert.deepEqual(resolveRolloutAndGroup(event({}, { service: 'orders-v2' }), rules), { rollout: 'svc-orders', group: 'baseline' });
  });

  it('skips a rule whose rollout renders empty and falls through to the built-ins', () => {
    assert.deepEqual(resolveRolloutAndGroup(event({ team: 'payments', 'rollwatch.io/workload': 'pay' }), rules), { rollout: 'pay', group: 'other' });
  });

  it('runs before the built-ins', () => {
    assert.deepEqual(
      resolveRolloutAndGroup(event({ 'app.kubernetes.io/name': 'cart', track: 'stable', 'rollwatch.io/rollout': 'ignored' }), rules),
      { rollout: 'cart', group: 'stable' },
    );
  });

  it('falls back to the group label when the templated group is not a group', () => {
    const r: MappingRules = { ...defaults, custom: compileRules([{ match: { app: '.+' }, rollout: '${app}', group: '${tier}' }], 'x') };
    assert.deepEqual(resolveRolloutAndGroup(event({ app: 'a', tier: 'gold', 'rollwatch.io/group': 'stable' }), r), { rollout: 'a', group: 'stable' });
  });

  it('can turn the built-ins off', () => {
    assert.equal(resolveRolloutAndGroup(event({ 'rollwatch.io/rollout': 'web' }), { ...defaults, builtins: false }), undefined);
  });
});

describe('loading rules from config', () => {
  it('reads JSON rules and YAML files, JSON first', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rw-rules-'));
    const file = path.join(dir, 'rules.yaml');
    writeFileSync(file, 'rules:\n  - match: { app: ".+" }\n    rollout: "yaml-${app}"\n');
    const rules = loadMappingRules({
      INGEST_MAPPING_RULES: JSON.stringify([{ match: { app: 'web' }, rollout: 'json-web', group: 'canary' }]),
      INGEST_MAPPING_FILE: file,
      INGEST_MAPPING_BUILTINS: true,
      INGEST_WORKLOAD_GROUP: 'other',
    });
    assert.equal(rules.custom.length, 2);
    assert.deepEqual(resolveRolloutAndGroup(event({ app: 'web' }), rules), { rollout: 'json-web', group: 'canary' });
    assert.deepEqual(resolveRolloutAndGroup(event({ app: 'db' }), rules), { rollout: 'yaml-db', group: 'other' });
  });

  it('names the setting and rule on bad input', () => {
    const settings = { INGEST_MAPPING_BUILTINS: true, INGEST_WORKLOAD_GROUP: 'canary' as const };
    assert.throws(() => loadMappingRules({ ...settings, INGEST_MAPPING_RULES: '{nope' }), (e: unknown) => e instanceof ValidationError && e.field === 'INGEST_MAPPING_RULES');
    assert.throws(
      () => loadMappingRules({ ...settings, INGEST_MAPPING_RULES: JSON.stringify([{ match: { app: '(' }, rollout: 'x' }]) }),
      (e: unknown) => e instanceof ValidationError && e.field === 'INGEST_MAPPING_RULES[0].match.app',
    );
    assert.throws(
      () => loadMappingRules({ ...settings, INGEST_MAPPING_RULES: JSON.stringify([{ match: {}, rollout: 'x' }]) }),
      (e: unknown) => e instanceof ValidationError && e.field === 'INGEST_MAPPING_RULES[0].match',
    );
    assert.throws(() => loadMappingRules({ ...settings, INGEST_MAPPING_FILE: '/nonexistent/rules.yaml' }), (e: unknown) => e instanceof ValidationError && e.field === 'INGEST_MAPPING_FILE');
  });
});
