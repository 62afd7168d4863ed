import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dockerSourceConfigSchema } from './config.js';
import { classifyLine, parseLogPatterns, TokenBucket } from './log-filter.js';

describe('log patterns', () => {
  const patterns = dockerSourceConfigSchema.parse({}).INGEST_DOCKER_LOG_PATTERNS;

  it('defaults: error|fatal|panic|exception → error, warn|warning → warn, the rest is not forwarded', () => {
    assert.equal(classifyLine('ERROR boom', patterns), 'error');
    assert.equal(classifyLine('panic: runtime error: index out of range', patterns), 'error');
    assert.equal(classifyLine('java.lang.NullPointerException', patterns), undefined, 'word boundary: not the word "exception"');
    assert.equal(classifyLine('Unhandled exception in worker', patterns), 'error');
    assert.equal(classifyLine('warning: fatal misconfiguration', patterns), 'error', 'error patterns are tried first');
    assert.equal(classifyLine('WARN slow query', patterns), 'warn');
    assert.equal(classifyLine('GET /healthz 200', patterns), undefined);
    assert.equal(classifyLine('errors=0 warnings=0', patterns), undefined);
  });

  it('parses custom patterns and drops stateful flags', () => {
    const parsed = parseLogPatterns('[{"level":"fatal","pattern":"OOM|out of memory","flags":"gi"}]');
    assert.ok(parsed.ok);
    assert.equal(parsed.patterns[0]!.regex.flags, 'i');
    assert.equal(classifyLine('Out Of Memory', parsed.patterns), 'fatal');
    assert.equal(classifyLine('Out Of Memory', parsed.patterns), 'fatal', 'same answer twice (no lastIndex state)');
  });

  it('names what is wrong in bad patterns', () => {
    assert.match((parseLogPatterns('nope') as { error: string }).error, /not JSON/);
    assert.match((parseLogPatterns('{}') as { error: string }).error, /JSON list/);
    assert.match((parseLogPatterns('[{"level":"loud","pattern":"x"}]') as { error: string }).error, /\[0\]\.level/);
    assert.match((parseLogPatterns('[{"level":"error","pattern":"("}]') as { error: string }).error, /\[0\]\.pattern is not a valid regex/);
    assert.throws(() => dockerSourceConfigSchema.parse({ INGEST_DOCKER_LOG_PATTERNS: '[{"level":"error"}]' }), /INGEST_DOCKER_LOG_PATTERNS|pattern/);
  });
});

describe('TokenBucket', () => {
  it('allows a burst, then the refill rate, and counts what it refuses', () => {
    const bucket = new TokenBucket(2, 3, 0);
    const at0 = [1, 2, 3, 4, 5].map(() => bucket.take(0));
    assert.deepEqual(at0, [true, true, true, false, false]);
    assert.equal(bucket.suppressed, 2);
    assert.equal(bucket.take(499), false, '0.998 tokens after 499 ms at 2/s');
    assert.equal(bucket.take(1000), true);
    assert.equal(bucket.take(10_000), true);
    assert.deepEqual([bucket.take(10_000), bucket.take(10_000), bucket.take(10_000)], [true, true, false], 'refill is capped at the burst');
    assert.equal(bucket.suppressed, 4);
  });

  it('ignores a clock going backwards', () => {
    const bucket = new TokenBucket(1, 1, 1000);
    assert.equal(bucket.take(1000), true);
    assert.equal(bucket.take(500), false);
  });
});
