import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DEFAULT_ASSUMPTIONS, MEASURED, plan, planTable, SCENARIOS } from './capacity-model.js';

const DOC = fileURLToPath(new URL('../../../../docs/capacity.md', import.meta.url));

test('docs/capacity.md holds exactly the table the model gives for the measured figures', () => {
  const table = planTable(SCENARIOS.map(([rollouts, eps]) => plan(rollouts, eps, MEASURED)));
  assert.ok(readFileSync(DOC, 'utf8').includes(table), `docs/capacity.md must contain:\n${table}`);
});

test('the model scales as it should: more events need more of everything, replicas double disk', () => {
  const small = plan(1_000, 10_000, MEASURED);
  const large = plan(100_000, 1_000_000, MEASURED);
  assert.ok(large.ingestReplicas > small.ingestReplicas && large.detectorReplicas > small.detectorReplicas && large.esNodes > small.esNodes);
  assert.ok(small.esNodes >= 3 && small.detectorReplicas >= 2 && small.ingestReplicas >= 2, 'production minimums for availability');
  assert.ok(large.partitions >= 2 * large.detectorReplicas && large.partitions % 6 === 0);
  const noReplica = plan(1_000, 10_000, MEASURED, { ...DEFAULT_ASSUMPTIONS, esReplicas: 0 });
  assert.equal(small.esDiskPerDayGb, Math.round(noReplica.esDiskPerDayGb * 2 * 10) / 10);
  // 10k events/s x 86,400 s x 102 B x 2 copies.
  assert.equal(small.esDiskPerDayGb, Math.round(((10_000 * 86_400 * 102 * 2) / 1024 ** 3) * 10) / 10);
});

test('evaluations dominate a large fleet with few events; a longer interval shrinks them', () => {
  const fleet = plan(100_000, 100_000, MEASURED);
  assert.ok(fleet.detectorCoresForEvaluations > fleet.detectorCoresForEvents);
  const slower = plan(100_000, 100_000, MEASURED, { ...DEFAULT_ASSUMPTIONS, evaluationIntervalSeconds: 30 });
  assert.ok(slower.detectorReplicas < fleet.detectorReplicas);
});
