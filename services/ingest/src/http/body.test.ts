import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseEventsBody } from './body.js';

const ev = (n: number) => ({ time: '2025-01-01T00:00:00Z', rollout: 'web', group: 'canary', type: 'container_start', instance: `i-${n}` });
const buf = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));

describe('parseEventsBody', () => {
  it('accepts one JSON object', () => {
    const parsed = parseEventsBody(buf(ev(1)), 'application/json');
    assert.ok(parsed.ok);
    assert.equal(parsed.format, 'json');
    assert.deepEqual(parsed.items, [{ value: ev(1), index: 0 }]);
  });

  it('accepts a JSON array, indexing each event', () => {
    const parsed = parseEventsBody(buf([ev(1), ev(2)]), 'application/json; charset=utf-8');
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.items.map((i) => i.index), [0, 1]);
  });

  it('accepts NDJSON by content type, with line numbers, skipping blank lines and CRLF', () => {
    const body = `${JSON.stringify(ev(1))}\r\n\r\n${JSON.stringify(ev(2))}\n`;
    const parsed = parseEventsBody(buf(body), 'application/x-ndjson');
    assert.ok(parsed.ok);
    assert.equal(parsed.format, 'ndjson');
    assert.deepEqual(parsed.items.map((i) => [i.index, i.line]), [[0, 1], [1, 3]]);
  });

  it('detects NDJSON by shape when sent as application/json or without a type', () => {
    const body = `${JSON.stringify(ev(1))}\n${JSON.stringify(ev(2))}`;
    for (const type of ['application/json', undefined, 'text/plain']) {
      const parsed = parseEventsBody(buf(body), type);
      assert.ok(parsed.ok, String(type));
      assert.equal(parsed.format, 'ndjson');
      assert.equal(parsed.items.length, 2);
    }
  });

  it('lists every NDJSON line that is not JSON, by line number', () => {
    const body = `${JSON.stringify(ev(1))}\n{"broken":\n${JSON.stringify(ev(3))}\nnope\n`;
    const parsed = parseEventsBody(buf(body), 'application/x-ndjson');
    assert.equal(parsed.ok, false);
    if (parsed.ok) return;
    assert.deepEqual(parsed.errors.map((e) => [e.line, e.index, e.field]), [[2, 1, '(line)'], [4, 3, '(line)']]);
    assert.match(parsed.errors[0]!.message, /line 2 is not valid JSON/);
  });

  it('rejects an empty body and malformed JSON naming the body', () => {
    for (const body of ['', '   \n']) {
      const parsed = parseEventsBody(buf(body), 'application/json');
      assert.equal(parsed.ok, false);
      if (!parsed.ok) assert.equal(parsed.errors[0]!.field, 'body');
    }
    const parsed = parseEventsBody(buf('{"time": '), 'application/json');
    assert.equal(parsed.ok, false);
    if (!parsed.ok) assert.match(parsed.message, /malformed JSON/);
  });

  it('unwraps a structured CloudEvent; envelope id/time/source fill absent fields only', () => {
    const { time: _t, ...data } = ev(1);
    const ce = { specversion: '1.0', id: 'ce-1', source: '/ci/deployer', type: 'dev.rollwatch.event.v1', time: '2025-02-02T00:00:00Z', datacontenttype: 'application/json', data };
    const parsed = parseEventsBody(buf(ce), 'application/cloudevents+json');
    assert.ok(parsed.ok);
    assert.equal(parsed.format, 'cloudevents');
    assert.deepEqual(parsed.items[0]!.value, { ...data, id: 'ce-1', time: '2025-02-02T00:00:00Z', source: '/ci/deployer' });
    assert.equal(parsed.items[0]!.fieldPrefix, 'data.');

    const own = parseEventsBody(buf({ ...ce, data: { ...ev(1), id: 'mine', source: 'app' } }), 'application/cloudevents+json');
    assert.ok(own.ok);
    assert.deepEqual(own.items[0]!.value, { ...ev(1), id: 'mine', source: 'app' });
  });

  it('unwraps a CloudEvents batch, and recognises CloudEvents sent as application/json', () => {
    const ce = (n: number) => ({ specversion: '1.0', id: `ce-${n}`, source: 's', type: 't', data: ev(n) });
    const batch = parseEventsBody(buf([ce(1), ce(2)]), 'application/cloudevents-batch+json');
    assert.ok(batch.ok);
    assert.equal(batch.format, 'cloudevents-batch');
    assert.deepEqual(batch.items.map((i) => (i.value as { id: string }).id), ['ce-1', 'ce-2']);
    const plain = parseEventsBody(buf(ce(3)), 'application/json');
    assert.ok(plain.ok);
    assert.equal(plain.format, 'cloudevents');
  });

  it('names the bad CloudEvent attribute and index', () => {
    const good = { specversion: '1.0', id: '1', source: 's', type: 't', data: ev(1) };
    const cases: Array<[unknown, string]> = [
      [{ ...good, specversion: '0.3' }, 'specversion'],
      [{ ...good, id: undefined }, 'id'],
      [{ ...good, data: undefined }, 'data'],
      [{ ...good, data: undefined, data_base64: 'eyJ9' }, 'data_base64'],
      [{ ...good, datacontenttype: 'text/xml' }, 'datacontenttype'],
    ];
    for (const [bad, field] of cases) {
      const parsed = parseEventsBody(buf([good, bad]), 'application/cloudevents-batch+json');
      assert.equal(parsed.ok, false, field);
      if (!parsed.ok) assert.deepEqual([parsed.errors[0]!.index, parsed.errors[0]!.field], [1, field]);
    }
    const notArray = parseEventsBody(buf(good), 'application/cloudevents-batch+json');
    assert.equal(notArray.ok, false);
  });

  it('reads binary-mode CloudEvents from ce-* headers', () => {
    const { time: _t, ...data } = ev(1);
    const parsed = parseEventsBody(buf(data), 'application/json', { 'ce-specversion': '1.0', 'ce-id': 'b-1', 'ce-time': '2025-03-03T00:00:00Z', 'ce-source': 'hook', 'ce-type': 't' });
    assert.ok(parsed.ok);
    assert.equal(parsed.format, 'cloudevents-binary');
    assert.deepEqual(parsed.items[0]!.value, { ...data, id: 'b-1', time: '2025-03-03T00:00:00Z', source: 'hook' });
  });

  it('strips a UTF-8 byte order mark', () => {
    const parsed = parseEventsBody(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), buf(ev(1))]), 'application/json');
    assert.ok(parsed.ok);
  });
});
