import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DLQ_ERROR_HEADER_MAX, DLQ_TYPES, dlqEnvelopeSchema, dlqRecord, type DlqEnvelope } from './dlq.js';

const message: DlqEnvelope = { type: DLQ_TYPES.message, source: 'detector', sourceTopic: 'rollwatch.events', partition: 3, offset: '42', key: 'r1', consumer: 'rollwatch-detector', error: 'x'.repeat(2000), fields: [{ field: 'grup', message: 'unknown field' }], at: '2026-01-01T00:00:00.000Z', value: '{"grup":1}' };
const action: DlqEnvelope = { type: DLQ_TYPES.action, source: 'alerts', id: 'a1', idempotencyKey: 'k1', action: { kind: 'rollback' }, error: 'HTTP 503', responseCode: 503, attempts: 3, status: 'dead-lettered', at: '2026-01-01T00:00:00.000Z' };

test('a dead letter round-trips through the one envelope schema, keyed like what failed', () => {
  for (const envelope of [message, action]) {
    const record = dlqRecord(envelope, 'r1');
    assert.equal(record.key, 'r1');
    assert.deepEqual(dlqEnvelopeSchema.parse(JSON.parse(record.value)), envelope);
  }
});

test('headers name the source and a bounded error; messages add topic and consumer, actions their id', () => {
  const m = dlqRecord(message, 'r1').headers;
  assert.equal(m['rollwatch-source'], 'detector');
  assert.equal(m['rollwatch-error']!.length, DLQ_ERROR_HEADER_MAX);
  assert.equal(m['rollwatch-source-topic'], 'rollwatch.events');
  assert.equal(m['rollwatch-consumer'], 'rollwatch-detector');
  const a = dlqRecord(action, 'r1').headers;
  assert.deepEqual(a, { 'rollwatch-source': 'alerts', 'rollwatch-error': 'HTTP 503', 'rollwatch-action-id': 'a1' });
});

test('an envelope without type, source or error is not a dead letter', () => {
  const { type: _t, ...untyped } = message;
  assert.equal(dlqEnvelopeSchema.safeParse(untyped).success, false);
  const { source: _s, ...unsourced } = action;
  assert.equal(dlqEnvelopeSchema.safeParse(unsourced).success, false);
  assert.equal(dlqEnvelopeSchema.safeParse({ ...message, type: 'rollwatch.dlq.other.v1' }).success, false);
});
