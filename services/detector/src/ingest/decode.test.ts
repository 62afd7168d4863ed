import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deriveEventId } from '@rollwatch/core';
import { decodeMessage, dlqMessage, eventDocument } from './decode.js';

const valid = { time: new Date(Date.now() - 1000).toISOString(), rollout: 'r', group: 'canary', type: 'container_start', instance: 'i1' };

describe('decodeMessage', () => {
  it('accepts event v1 and derives the content id when none is given', () => {
    const result = decodeMessage({ value: JSON.stringify(valid) });
    assert.ok(result.ok);
    const { id, ...rest } = result.decoded.event;
    assert.equal(id, deriveEventId(rest));
  });

  it('keeps a producer envelope receivedAt out of the event but in the stored document', () => {
    const receivedAt = new Date().toISOString();
    const result = decodeMessage({ value: JSON.stringify({ ...valid, id: 'e1', receivedAt }) });
    assert.ok(result.ok);
    assert.equal('receivedAt' in result.decoded.event, false);
    assert.deepEqual(eventDocument(result.decoded), { ...result.decoded.event, receivedAt });
    assert.equal(eventDocument(result.decoded).id, 'e1');
  });

  it('names the broken field', () => {
    for (const [value, field] of [
      ['nope', 'value'],
      ['[1]', 'value'],
      ['null', 'value'],
      [JSON.stringify({ ...valid, group: 'canry' }), 'group'],
      [JSON.stringify({ ...valid, type: 'metric' }), 'metric'],
      [JSON.stringify({ ...valid, time: 1700000 }), 'time'],
    ] as const) {
      const result = decodeMessage({ value });
      assert.equal(result.ok, false, value);
      if (!result.ok) assert.ok(result.fields.some((f) => f.field === field), `${value}: ${JSON.stringify(result.fields)}`);
    }
  });
});

describe('dlqMessage', () => {
  it('keeps the original bytes, key and position with the error', () => {
    const m = dlqMessage({ topic: 'rollwatch.events', partition: 3, offset: '42', key: 'r', value: '{bad' }, 'rollwatch-detector', 'value is not JSON', [], new Date('2026-01-01T00:00:00Z'));
    assert.equal(m.key, 'r');
    assert.deepEqual(JSON.parse(m.value), {
      type: 'rollwatch.dlq.message.v1',
      source: 'detector',
      sourceTopic: 'rollwatch.events',
      partition: 3,
      offset: '42',
      key: 'r',
      consumer: 'rollwatch-detector',
      error: 'value is not JSON',
      fields: [],
      at: '2026-01-01T00:00:00.000Z',
      value: '{bad',
    });
    assert.equal(m.headers?.['rollwatch-error'], 'value is not JSON');
    assert.equal(m.headers?.['rollwatch-source'], 'detector');
  });
});
