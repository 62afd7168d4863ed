import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { canonicalJson, parseEvent } from '@rollwatch/core';
import { deeplyNested, hostileTime, malformedJsonText, mutatedEvent, validEvent } from './arbitraries.js';

/** Property-based fuzzing of core's event schema v1 (parseEvent): the gate every event passes. */
describe('event schema v1 under fuzzing', () => {
  const runs = Number(process.env.ROLLWATCH_FUZZ_RUNS ?? 2000);

  it('parseEvent never throws on any JSON value and every rejection names a field', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue({ maxDepth: 5 }), mutatedEvent), (input) => {
        const result = parseEvent(input);
        if (!result.ok) {
          assert.ok(result.errors.length > 0);
          for (const e of result.errors) {
            assert.equal(typeof e.field, 'string');
            assert.ok(e.field.length > 0, `field named: ${JSON.stringify(e)}`);
            assert.equal(typeof e.message, 'string');
            assert.ok(e.message.length > 0, 'message given');
          }
        }
      }),
      { numRuns: runs },
    );
  });

  it('parseEvent never throws on malformed text decoded any way, nor on deep nesting', () => {
    fc.assert(
      fc.property(malformedJsonText, (text) => {
        let value: unknown = text;
        try {
          value = JSON.parse(text);
        } catch {
          /* the raw string is fed instead */
        }
        parseEvent(value);
      }),
      { numRuns: runs },
    );
    for (const kind of ['array', 'object'] as const) {
      const value = JSON.parse(deeplyNested(5000, kind)) as unknown;
      assert.equal(parseEvent(value).ok, false);
      assert.equal(parseEvent({ ...validSample(), labels: value }).ok, false);
    }
  });

  it('accepts every in-range event and round-trips it: parse(serialise(parse(x))) == parse(x), same id', () => {
    fc.assert(
      fc.property(validEvent, (input) => {
        const first = parseEvent(input);
        assert.ok(first.ok, `valid event rejected: ${JSON.stringify(!first.ok && first.errors)} for ${JSON.stringify(input)}`);
        const wire = JSON.parse(JSON.stringify(first.event)) as unknown;
        const second = parseEvent(wire);
        assert.ok(second.ok, `normalised event rejected on re-parse: ${JSON.stringify(!second.ok && second.errors)}`);
        assert.equal(canonicalJson(second.event), canonicalJson(first.event));
        assert.match(first.event.time, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      }),
      { numRuns: runs },
    );
  });

  it('derived ids are stable: the same content without an id always gets the same id', () => {
    fc.assert(
      fc.property(validEvent, (input) => {
        const { id: _id, ...rest } = input;
        const a = parseEvent(rest);
        const b = parseEvent(JSON.parse(JSON.stringify(rest)) as unknown);
        assert.ok(a.ok && b.ok);
        assert.equal(a.event.id, b.event.id);
      }),
      { numRuns: Math.min(runs, 500) },
    );
  });

  it('times: accepted only between 2000-01-01 and now+24h, normalised to UTC; never throws', () => {
    const min = Date.UTC(2000, 0, 1);
    fc.assert(
      fc.property(hostileTime, (time) => {
        const result = parseEvent({ ...validSample(), time });
        if (!result.ok) {
          assert.ok(result.errors.some((e) => e.field === 'time'), `rejection names time: ${JSON.stringify(result.errors)}`);
          return;
        }
        const ms = Date.parse(result.event.time);
        assert.ok(ms >= min, `accepted a time before 2000: ${String(time)}`);
        assert.ok(ms <= Date.now() + 24 * 3600_000 + 1000, `accepted a time more than 24h ahead: ${String(time)}`);
      }),
      { numRuns: runs },
    );
  });

  it('rejects unknown top-level fields (a typo must not lose data) and huge strings', () => {
    const typo = parseEvent({ ...validSample(), grup: 'canary' });
    assert.ok(!typo.ok && typo.errors.some((e) => e.field === 'grup'));
    const huge = parseEvent({ ...validSample(), type: 'log', message: 'x'.repeat(70_000) });
    assert.ok(!huge.ok && huge.errors.some((e) => e.field === 'message'));
    const proto = parseEvent(JSON.parse('{"__proto__":{"polluted":true},"time":"2024-01-01T00:00:00Z"}') as unknown);
    assert.equal(proto.ok, false);
    assert.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype pollution');
  });
});

describe('event schema v1: defects found by fuzzing stay fixed', () => {
  // core/src/schema/event.ts issueToFieldError: `issue.keys.join(',')` is "" for an unknown key
  // spelled "" ({"": 1}), so the 400 body says field "" and a client cannot tell what to fix.
  it('an unknown empty-string key is named in the error field', () => {
    const result = parseEvent({ ...validSample(), '': 1 });
    assert.ok(!result.ok);
    assert.ok(result.errors.every((e) => e.field.length > 0), JSON.stringify(result.errors));
  });
});

function validSample(): Record<string, unknown> {
  return { time: new Date().toISOString(), rollout: 'r', group: 'canary', type: 'container_start', instance: 'i-1' };
}
