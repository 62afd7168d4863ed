import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay, parseRetryAfter, retry, retryThrowing } from './retry.js';
import { UnavailableError, ValidationError } from '@rollwatch/contract';

const fast = { initialDelayMs: 1, maxDelayMs: 5, random: () => 0.5 };

test('retryable results are retried until success', async () => {
  let calls = 0;
  const outcome = await retry(async () => (++calls < 3 ? { status: 'retryable', error: 'busy' } : { status: 'success', value: 'ok' }), fast);
  assert.deepEqual(outcome, { result: { status: 'success', value: 'ok' }, attempts: 3 });
});

test('a permanent failure stops at once', async () => {
  let calls = 0;
  const outcome = await retry(async () => (calls++, { status: 'failure', error: 'bad request', code: 400 }), fast);
  assert.equal(calls, 1);
  assert.equal(outcome.result.status, 'failure');
});

test('attempts are capped and the last retryable result is returned', async () => {
  let calls = 0;
  const outcome = await retry(async () => (calls++, { status: 'retryable', error: 'down' }), { ...fast, maxAttempts: 4 });
  assert.equal(calls, 4);
  assert.equal(outcome.attempts, 4);
  assert.equal(outcome.result.status, 'retryable');
});

test('the deadline stops retries before the attempt limit', async () => {
  let calls = 0;
  const outcome = await retry(async () => (calls++, { status: 'retryable', error: 'down', retryInMillis: 50 }), { ...fast, maxAttempts: 100, deadlineMs: 120 });
  assert.ok(calls >= 2 && calls <= 4, `calls=${calls}`);
  assert.equal(outcome.result.status, 'retryable');
});

test('thrown errors are classified by their retriable flag', async () => {
  let calls = 0;
  await assert.rejects(retryThrowing(async () => { calls++; throw new ValidationError('x', 'bad'); }, fast), /bad/);
  assert.equal(calls, 1);
  calls = 0;
  const value = await retryThrowing(async () => { if (++calls < 3) throw new UnavailableError('down'); return 7; }, fast);
  assert.equal(value, 7);
});

test('backoff grows exponentially with jitter, is capped, and Retry-After wins when larger', () => {
  const opts = { initialDelayMs: 100, maxDelayMs: 1000, random: () => 1 };
  assert.equal(backoffDelay(1, opts), 100);
  assert.equal(backoffDelay(3, opts), 400);
  assert.equal(backoffDelay(10, opts), 1000);
  assert.equal(backoffDelay(1, { ...opts, random: () => 0 }), 50);
  assert.equal(backoffDelay(1, opts, 5000), 5000);
});

test('Retry-After parses seconds and HTTP dates', () => {
  assert.equal(parseRetryAfter('3'), 3000);
  assert.equal(parseRetryAfter(new Date(10_000).toUTCString(), 4000), 6000);
  assert.equal(parseRetryAfter('soon'), undefined);
  assert.equal(parseRetryAfter(undefined), undefined);
});
