import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCommand, parseDurationFlag, parseIntFlag, parseUrlFlag, UsageError, wantsHelp } from './args.js';

const SPEC = { usage: 'usage: x', options: { json: { type: 'boolean' as const }, url: { type: 'string' as const } }, positionals: { min: 1, max: 1, names: 'the file' } };

test('parseCommand: values and positionals; --help wins over anything else; -- ends the options', () => {
  assert.deepEqual(parseCommand(SPEC, ['f.ndjson', '--json', '--url', 'http://h']), { kind: 'run', values: { json: true, url: 'http://h' }, positionals: ['f.ndjson'] });
  assert.deepEqual(parseCommand(SPEC, ['--bogus', '-h']), { kind: 'help' });
  assert.deepEqual(parseCommand(SPEC, ['--version']), { kind: 'version' });
  assert.equal(wantsHelp(['--', '--help']), false, 'after -- it is an argument');
  assert.deepEqual(parseCommand(SPEC, ['--', '--help']), { kind: 'run', values: {}, positionals: ['--help'] });
});

test('parseCommand: unknown flags, missing values and wrong argument counts are UsageErrors naming the problem', () => {
  assert.throws(() => parseCommand(SPEC, ['f', '--bogus']), (e: unknown) => e instanceof UsageError && /Unknown option '--bogus'/.test(e.message) && !/To specify/.test(e.message));
  assert.throws(() => parseCommand(SPEC, ['f', '--url']), (e: unknown) => e instanceof UsageError && /--url/.test(e.message));
  assert.throws(() => parseCommand(SPEC, []), /missing the file/);
  assert.throws(() => parseCommand(SPEC, ['a', 'b']), /unexpected argument "b"/);
});

test('durations: units, plain seconds; nonsense and zero are usage errors', () => {
  assert.equal(parseDurationFlag('--timeout', '15m'), 900_000);
  assert.equal(parseDurationFlag('--timeout', '1h30m'), 5_400_000);
  assert.equal(parseDurationFlag('--timeout', '500ms'), 500);
  assert.equal(parseDurationFlag('--timeout', '30'), 30_000, 'a bare number is seconds');
  for (const bad of ['soon', '0', '-5m', '']) assert.throws(() => parseDurationFlag('--timeout', bad), /--timeout: expects a duration/);
});

test('integers and URLs are checked', () => {
  assert.equal(parseIntFlag('--batch', '500', 1, 5000), 500);
  assert.throws(() => parseIntFlag('--batch', '5001', 1, 5000), /between 1 and 5000/);
  assert.throws(() => parseIntFlag('--batch', '1e3', 1, 5000), /expects an integer/);
  assert.equal(parseUrlFlag('--url', 'http://h:8081/'), 'http://h:8081');
  assert.throws(() => parseUrlFlag('--url', 'localhost:8081'), /--url: /);
});
