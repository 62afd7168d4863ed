import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatAge, formatNumber, signalLabel } from './format.js';
import type { AnomalyDocument, TemplateTableRow } from '@rollwatch/contract';
import { hostTable, newTemplates } from './hosts.js';

/** A stored anomaly as the detector writes it (a non-info reason plus where and when). */
const anomaly = (over: Partial<AnomalyDocument> & { id: string; signal: string }): AnomalyDocument => ({
  severity: 'fail',
  message: `${over.signal} differs`,
  rollout: 'r1',
  decision: 'no-go',
  sequence: 3,
  time: '2025-01-01T00:02:00.000Z',
  detectedAt: '2025-01-01T00:02:01.000Z',
  ...over,
});
/** A /templates row as the detector serves it. */
const templateRow = (over: Partial<TemplateTableRow> & Pick<TemplateTableRow, 'id' | 'template' | 'canary' | 'baseline'>): TemplateTableRow => ({
  example: '',
  canaryInstances: 1,
  newInCanary: over.canary > 0 && over.baseline === 0,
  canaryPerMinute: over.canary,
  baselinePerMinute: over.baseline,
  ...over,
});

test('ages are compact', () => {
  const now = Date.parse('2025-01-02T03:04:05Z');
  assert.equal(formatAge('2025-01-02T03:04:00Z', now), '5s');
  assert.equal(formatAge('2025-01-02T02:59:05Z', now), '5m');
  assert.equal(formatAge('2025-01-02T00:00:05Z', now), '3h 4m');
  assert.equal(formatAge('2024-12-30T03:04:05Z', now), '3d 0h');
  assert.equal(formatAge(null, now), '—');
  assert.equal(formatAge('garbage', now), '—');
});

test('numbers keep meaningful precision and units', () => {
  assert.equal(formatNumber(0.1234, 'ratio'), '12.3%');
  assert.equal(formatNumber(3.14159, 'ms'), '3.14 ms');
  assert.equal(formatNumber(1234.5), '1235');
  assert.equal(formatNumber(null), '—');
  assert.equal(signalLabel('error_log_rate'), 'Error-log rate');
  assert.equal(signalLabel('my_custom'), 'my custom');
});

test('host attributes with failing instances come first and canary-only values are flagged', () => {
  const table = hostTable([
    { attribute: 'engine', value: '27.0', canaryInstances: 2, baselineInstances: 2, failingCanary: 0, failingBaseline: 0 },
    { attribute: 'kernel', value: '6.1', canaryInstances: 0, baselineInstances: 4, failingCanary: 0, failingBaseline: 0 },
    { attribute: 'kernel', value: '6.8', canaryInstances: 2, baselineInstances: 0, failingCanary: 2, failingBaseline: 0 },
  ]);
  assert.deepEqual(table.map((r) => `${r.attribute}=${r.value}`), ['kernel=6.8', 'kernel=6.1', 'engine=27.0']);
  assert.equal(table[0]!.canaryFailingShare, 1);
  assert.equal(table[0]!.onlyOn, 'canary');
  assert.equal(table[0]!.suspicious, true);
  assert.equal(table[2]!.suspicious, false);
});

test('new templates merge reasons and anomalies, keeping the first example', () => {
  const rows = newTemplates(
    [{ signal: 'log_templates', severity: 'fail', message: 'new in canary', template: 'failed to open <*>', example: 'failed to open /data/x' }],
    [anomaly({ id: '1', signal: 'log_templates', template: 'failed to open <*>', example: 'other' }), anomaly({ id: '2', signal: 'log_templates', template: 'panic: <*>' }), anomaly({ id: '3', signal: 'latency' })],
  );
  assert.deepEqual(rows, [
    { template: 'failed to open <*>', example: 'failed to open /data/x', message: 'new in canary', canary: null, baseline: null },
    { template: 'panic: <*>', example: null, message: 'log_templates differs', canary: null, baseline: null },
  ]);
});

test("the engine's canary-only templates are listed with counts; shared ones are not", () => {
  const rows = newTemplates([], [], [
    templateRow({ id: 'a', template: 'disk full on <*>', example: 'disk full on /dev/sda1', canary: 12, baseline: 0, newInCanary: true }),
    templateRow({ id: 'b', template: 'GET <*> 200', example: 'GET / 200', canary: 100, baseline: 300 }),
  ]);
  assert.deepEqual(rows, [{ template: 'disk full on <*>', example: 'disk full on /dev/sda1', message: 'only in the canary', canary: 12, baseline: 0 }]);
});
