import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { storageFromConfig } from '../backends.js';
import { commonConfigShape, loadConfig } from '../config.js';
import { FAMILIES, timestampOf } from './families.js';
import { durationMs, ilmPolicy, indexTemplate, parsePerFamily, storageSettings } from './storage-settings.js';

const common = z.object(commonConfigShape);

test('per-family counts: a bare number for all, family=N overrides, bad parts named', () => {
  assert.deepEqual(parsePerFamily('2', 1), { events: 2, anomalies: 2, actions: 2, verdicts: 2, rollouts: 2, silences: 2, checkpoints: 2 });
  assert.deepEqual(parsePerFamily('events=6,1', 3), { events: 6, anomalies: 1, actions: 1, verdicts: 1, rollouts: 1, silences: 1, checkpoints: 1 });
  assert.throws(() => parsePerFamily('evnts=2', 1), /unknown index family "evnts"/);
  assert.throws(() => parsePerFamily('events=two', 1), /"events=two" is not N or family=N/);
});

test('durations in Elasticsearch units', () => {
  assert.equal(durationMs('14d'), 14 * 86_400_000);
  assert.equal(durationMs('500ms'), 500);
  assert.throws(() => durationMs('2 weeks'), /not a duration/);
});

test('the config: production defaults, validated, mapped to storage settings', () => {
  const defaults = storageFromConfig(loadConfig(common, { env: {} }));
  assert.equal(defaults.retention, '14d');
  assert.equal(defaults.lifecycle, 'auto');
  assert.deepEqual(defaults.rollover, { maxAge: '1d', maxPrimaryShardSize: '50gb' });
  assert.equal(defaults.replicas!.events, 1);
  const single = storageFromConfig(loadConfig(common, { env: { ELASTICSEARCH_REPLICAS: '0', ELASTICSEARCH_SHARDS: 'events=4', ROLLWATCH_RETENTION_DAYS: '0.5' } }));
  assert.equal(single.replicas!.verdicts, 0);
  assert.equal(single.shards!.events, 4);
  assert.equal(single.shards!.anomalies, 1);
  assert.equal(single.retention, '720m');
  assert.throws(() => loadConfig(common, { env: { ELASTICSEARCH_REPLICAS: 'events=x' } }), /ELASTICSEARCH_REPLICAS/);
  assert.throws(() => loadConfig(common, { env: { ELASTICSEARCH_ROLLOVER_MAX_SIZE: '50 GB' } }), /ELASTICSEARCH_ROLLOVER_MAX_SIZE/);
  assert.throws(() => loadConfig(common, { env: { ELASTICSEARCH_LIFECYCLE: 'ilm2' } }), /ELASTICSEARCH_LIFECYCLE/);
});

test('ILM: a policy that rolls over by age/size and deletes after the retention; the template names it', () => {
  const settings = storageSettings({ retention: '7d', rollover: { maxAge: '12h', maxPrimaryShardSize: '30gb' } });
  assert.deepEqual(ilmPolicy(settings), {
    phases: {
      hot: { min_age: '0ms', actions: { rollover: { max_age: '12h', max_primary_shard_size: '30gb' } } },
      delete: { min_age: '7d', actions: { delete: {} } },
    },
  });
  const template = indexTemplate(FAMILIES.events, 'rollwatch-events', settings, 'ilm') as { index_patterns: string[]; data_stream: object; template: { settings: Record<string, unknown>; lifecycle?: unknown } };
  assert.deepEqual(template.index_patterns, ['rollwatch-events']);
  assert.deepEqual(template.data_stream, {});
  assert.equal(template.template.settings['index.lifecycle.name'], 'rollwatch-events-policy');
  assert.equal(template.template.lifecycle, undefined);
});

test('data stream lifecycle: retention on the template, no ILM setting; regular indices get neither', () => {
  const settings = storageSettings({ retention: '3d', replicas: { events: 2, anomalies: 1, actions: 1, verdicts: 0, rollouts: 1, silences: 1, checkpoints: 1 } });
  const ds = indexTemplate(FAMILIES.anomalies, 'x-rollwatch-anomalies', settings, 'data-stream-lifecycle') as { template: { settings: Record<string, unknown>; lifecycle: unknown; mappings: { properties: Record<string, unknown> } } };
  assert.deepEqual(ds.template.lifecycle, { enabled: true, data_retention: '3d' });
  assert.equal(ds.template.settings['index.lifecycle.name'], undefined);
  assert.deepEqual(ds.template.mappings.properties['@timestamp'], { type: 'date' });
  const plain = indexTemplate(FAMILIES.verdicts, 'rollwatch-verdicts', settings, 'data-stream-lifecycle') as { index_patterns: string[]; data_stream?: unknown; template: { settings: Record<string, unknown>; lifecycle?: unknown } };
  assert.deepEqual(plain.index_patterns, ['rollwatch-verdicts*']);
  assert.equal(plain.data_stream, undefined);
  assert.equal(plain.template.lifecycle, undefined);
  assert.equal(plain.template.settings.number_of_replicas, 0);
});

test('@timestamp comes from the family time field, else now', () => {
  assert.equal(timestampOf(FAMILIES.events, { time: '2026-12-05T00:00:00.000Z' }), '2026-12-05T00:00:00.000Z');
  assert.equal(timestampOf(FAMILIES.actions, { at: 1_800_000_000_000 }), new Date(1_800_000_000_000).toISOString());
  assert.equal(timestampOf(FAMILIES.anomalies, {}, () => new Date(0)), '1970-01-01T00:00:00.000Z');
});
