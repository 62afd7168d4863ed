import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BenchUsageError, parseBenchArgs, SECTIONS } from './args.js';

test('bench args: defaults are the full run; --quick shrinks sizes', () => {
  const full = parseBenchArgs([]);
  const quick = parseBenchArgs(['--quick']);
  assert.equal(full.quick, false);
  assert.deepEqual(full.sections, [...SECTIONS]);
  assert.equal(full.out, 'bench-results/latest.json');
  assert.ok(quick.ingestEvents < full.ingestEvents);
  assert.ok(quick.rollouts >= 30 && full.rollouts >= 100);
  assert.ok(quick.suiteSize >= 200);
  assert.ok(full.budgetSeconds <= 900);
});

test('bench args: flags override sizes and select sections', () => {
  const p = parseBenchArgs(['--quick', '--out', '/tmp/x.json', '--only', 'judge,quality', '--suite', '300', '--judge-samples', '1000,5000', '--store', 'elasticsearch']);
  assert.equal(p.out, '/tmp/x.json');
  assert.deepEqual(p.sections, ['judge', 'quality']);
  assert.equal(p.suiteSize, 300);
  assert.deepEqual(p.judgeSamples, [1000, 5000]);
  assert.equal(p.store, 'elasticsearch');
  assert.deepEqual(parseBenchArgs(['--skip', 'latency,ingest']).sections.includes('latency'), false);
});

test('bench args: bad input names the flag', () => {
  const fails = (argv: string[], field: string): void => {
    assert.throws(() => parseBenchArgs(argv), (e: unknown) => e instanceof BenchUsageError && e.field === field);
  };
  fails(['--clients', 'many'], '--clients');
  fails(['--clients', '0'], '--clients');
  fails(['--only', 'speed'], '--only');
  fails(['--store', 'redis'], '--store');
  fails(['--out'], '--out');
  fails(['--frobnicate'], '--frobnicate');
});

test('bench args: --markdown takes a file path', () => {
  assert.equal(parseBenchArgs(['--quick', '--markdown', 'BENCHMARKS.md']).markdown, 'BENCHMARKS.md');
  assert.equal(parseBenchArgs([]).markdown, undefined);
  assert.throws(() => parseBenchArgs(['--markdown']), (e: unknown) => e instanceof BenchUsageError && e.field === '--markdown');
  assert.throws(() => parseBenchArgs(['--markdown', '--quick']), (e: unknown) => e instanceof BenchUsageError && e.field === '--markdown');
});

test('bench args: --corpus sizes the corpus, --write-corpus names the directory', () => {
  assert.equal(parseBenchArgs([]).corpusSize >= 400, true);
  const p = parseBenchArgs(['--corpus', '28', '--write-corpus', '/tmp/corpus', '--seed', '5']);
  assert.equal(p.corpusSize, 28);
  assert.equal(p.writeCorpus, '/tmp/corpus');
  assert.throws(() => parseBenchArgs(['--corpus', '3']), (e: unknown) => e instanceof BenchUsageError && e.field === '--corpus');
  assert.throws(() => parseBenchArgs(['--write-corpus']), (e: unknown) => e instanceof BenchUsageError && e.field === '--write-corpus');
});
