import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DemuxParser, LineSplitter, rfc3339ToNanos, splitTimestamp } from './demux.js';
import { frame } from './testing/helpers.js';


describe('DemuxParser', () => {
  it('splits stdout and stderr frames', () => {
    const frames = new DemuxParser().push(Buffer.concat([frame(1, 'out\n'), frame(2, 'err\n')]));
    assert.deepEqual(frames.map((f) => [f.stream, f.payload.toString()]), [['stdout', 'out\n'], ['stderr', 'err\n']]);
  });

  it('reassembles frames split at every byte, including inside the header', () => {
    const bytes = Buffer.concat([frame(2, 'ERROR first\n'), frame(1, 'second\n')]);
    const parser = new DemuxParser();
    const got: string[] = [];
    for (const b of bytes) for (const f of parser.push(Buffer.from([b]))) got.push(`${f.stream}:${f.payload.toString()}`);
    assert.deepEqual(got, ['stderr:ERROR first\n', 'stdout:second\n']);
    assert.equal(parser.bufferedBytes, 0);
  });

  it('handles empty frames and keeps an incomplete frame buffered', () => {
    const parser = new DemuxParser();
    const full = frame(1, 'abcdef');
    assert.deepEqual(parser.push(Buffer.concat([frame(1, ''), full.subarray(0, 10)])).map((f) => f.payload.length), [0]);
    assert.equal(parser.bufferedBytes, 10);
    assert.equal(parser.push(full.subarray(10))[0]!.payload.toString(), 'abcdef');
  });

  it('rejects a stream that is not multiplexed (TTY output)', () => {
    assert.throws(() => new DemuxParser().push(Buffer.from('2026-11-24T23:43:23Z hello\n')), /not a multiplexed log stream/);
  });
});

describe('LineSplitter', () => {
  it('joins partial lines, strips CR, keeps multi-byte characters split across chunks', () => {
    const s = new LineSplitter();
    const euro = Buffer.from('€');
    assert.deepEqual(s.push(Buffer.concat([Buffer.from('a\r\nb'), euro.subarray(0, 1)])), ['a']);
    assert.deepEqual(s.push(Buffer.concat([euro.subarray(1), Buffer.from('\nc')])), ['b€']);
    assert.deepEqual(s.flush(), ['c']);
    assert.deepEqual(s.flush(), []);
  });

  it('cuts a line that never ends', () => {
    const s = new LineSplitter(10);
    assert.deepEqual(s.push(Buffer.from('x'.repeat(25))), ['x'.repeat(25)]);
  });
});

describe('timestamps', () => {
  it('splits the engine timestamp from the text (Docker nanoseconds, Podman seconds)', () => {
    assert.deepEqual(splitTimestamp('2026-11-24T23:43:23.123456789Z ERROR x'), { timestamp: '2026-11-24T23:43:23.123456789Z', timeMs: Date.parse('2026-11-24T23:43:23.123Z'), text: 'ERROR x' });
    assert.deepEqual(splitTimestamp('2026-11-24T23:43:23Z fatal crash').text, 'fatal crash');
    assert.deepEqual(splitTimestamp('no timestamp'), { text: 'no timestamp' });
  });

  it('converts RFC 3339 to exact nanoseconds', () => {
    assert.equal(rfc3339ToNanos('2026-11-24T23:37:04.726361617Z'), 1795563424726361617n);
    assert.equal(rfc3339ToNanos('2026-11-24T23:37:04Z'), 1795563424000000000n);
    assert.equal(rfc3339ToNanos('2026-11-24T23:37:04.5+01:00'), 1795559824500000000n);
    assert.equal(rfc3339ToNanos('yesterday'), undefined);
  });
});
