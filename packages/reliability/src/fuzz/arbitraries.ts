import fc from 'fast-check';
import { EVENT_GROUPS, EVENT_TYPES, LOG_LEVELS } from '@rollwatch/core';

/**
 * fast-check arbitraries for hostile input: any JSON, deeply nested JSON, unicode (lone
 * surrogates, RTL, NUL), timestamps far in the past/future, wrong types for every event field.
 */

const hostileStrings = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 64 }),
  fc.string({ unit: 'grapheme', maxLength: 64 }),
  fc.constantFrom('', ' ', '\u0000', '\ud800', '\udfff', '\u202e', '𝕽𝖔𝖑𝖑', '__proto__', 'constructor', 'toString', '../../etc/passwd', '%00', '${jndi:ldap://x}', "'; DROP TABLE events;--", '<script>alert(1)</script>', 'x'.repeat(5000)),
);

const hostileNumbers = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -1, 2 ** 53, -(2 ** 53), Number.MAX_SAFE_INTEGER, 1e308, -1e308, 5e-324, 946684799999, 946684800000, 253402300799999, 8.64e15),
);

/** Times from far past to far future, in every accepted and several rejected encodings. */
export const hostileTime = fc.oneof(
  fc.date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: true }).map((d) => d.toISOString()),
  fc.date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: true }).map((d) => d.getTime()),
  fc.integer({ min: 0, max: 4_000_000_000 }), // epoch seconds (a unit bug)
  fc.constantFrom('2024-02-30T00:00:00Z', '9999-12-31T23:59:59Z', '0000-01-01T00:00:00Z', '2024-01-01T25:61:61Z', '2024-01-01', 'now', '1e3', '2024-01-01T00:00:00.1234567890Z', '2024-01-01T00:00:00+99:99'),
  hostileStrings,
);

const anyValue = fc.oneof(hostileStrings, hostileNumbers, fc.boolean(), fc.constant(null), fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }));

/** A plausible event where any field may be missing, of the wrong type or out of range. */
export const mutatedEvent = fc.record(
  {
    id: fc.oneof(hostileStrings, anyValue),
    time: fc.oneof(hostileTime, anyValue),
    rollout: fc.oneof(hostileStrings, anyValue),
    // eslint-disable-next-line no-restricted-syntax -- bounded: a handful of enum constants
    group: fc.oneof(fc.constantFrom(...EVENT_GROUPS), anyValue),
    // eslint-disable-next-line no-restricted-syntax -- bounded: a handful of enum constants
    type: fc.oneof(fc.constantFrom(...EVENT_TYPES), anyValue),
    instance: fc.oneof(hostileStrings, anyValue),
    host: anyValue,
    service: anyValue,
    exitCode: fc.oneof(hostileNumbers, anyValue),
    message: fc.oneof(hostileStrings, anyValue),
    // eslint-disable-next-line no-restricted-syntax -- bounded: a handful of enum constants
    level: fc.oneof(fc.constantFrom(...LOG_LEVELS), anyValue),
    metric: anyValue,
    value: fc.oneof(hostileNumbers, anyValue),
    labels: fc.oneof(fc.dictionary(hostileStrings, hostileStrings, { maxKeys: 4 }), anyValue),
    hostAttributes: fc.oneof(fc.dictionary(hostileStrings, hostileStrings, { maxKeys: 4 }), anyValue),
    grup: anyValue,
  },
  { requiredKeys: [] },
);

/** Events the schema must accept: every field in range, times within the accepted window. */
export const validEvent = fc
  .record(
    {
      id: fc.string({ minLength: 1, maxLength: 64 }),
      offsetMs: fc.integer({ min: -365 * 24 * 3600_000, max: 3600_000 }),
      rollout: fc.string({ minLength: 1, maxLength: 64 }),
      // eslint-disable-next-line no-restricted-syntax -- bounded: a handful of enum constants
      group: fc.constantFrom(...EVENT_GROUPS),
      // eslint-disable-next-line no-restricted-syntax -- bounded: a handful of enum constants
      type: fc.constantFrom(...EVENT_TYPES),
      instance: fc.string({ minLength: 1, maxLength: 64 }),
      host: fc.string({ minLength: 1, maxLength: 64 }),
      exitCode: fc.integer({ min: -255, max: 255 }),
      message: fc.string({ unit: 'grapheme', maxLength: 200 }),
      // eslint-disable-next-line no-restricted-syntax -- bounded: a handful of enum constants
      level: fc.constantFrom(...LOG_LEVELS),
      metric: fc.string({ minLength: 1, maxLength: 32 }),
      // Metric values are finite and >= 0 (event schema v1 rejects negatives: counters, ratios, latencies).
      value: fc.double({ noNaN: true, noDefaultInfinity: true, min: 0 }),
      labels: fc.dictionary(fc.string({ minLength: 1, maxLength: 16 }), fc.string({ maxLength: 32 }), { maxKeys: 4 }),
      numericTime: fc.boolean(),
    },
    { requiredKeys: ['offsetMs', 'rollout', 'group', 'type', 'instance', 'metric', 'value', 'message', 'numericTime'] },
  )
  .map(({ offsetMs, numericTime, ...fields }) => {
    const ms = Date.now() + offsetMs;
    return { ...fields, time: numericTime ? ms : new Date(ms).toISOString() } as Record<string, unknown>;
  });

/** JSON nested `depth` levels deep (arrays or objects), as a string: parsers must not blow the stack. */
export function deeplyNested(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array' ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

/** Byte soups that are not valid JSON (or only barely are). */
export const malformedJsonText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.constantFrom('{', '}', '[', '{"a":}', '{"a":1,}', "{'a':1}", 'NaN', 'undefined', '\u0000', '{"a":"\ud800"}', '[1,2', '{"__proto__":{"polluted":true}}', 'null', 'true', '0', '""', '[]', '{}'),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
);
