import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { retry } from '@rollwatch/core';
import { TestReceiver } from '../testing/receiver.js';
import { classifyResponse, httpAttempt } from './attempt.js';

const headers = (h: Record<string, string> = {}) => new Headers(h);

describe('classifyResponse', () => {
  it('2xx succeed, 4xx fail for good, 408/429/5xx retry', () => {
    assert.equal(classifyResponse({ status: 204, body: '', headers: headers() }).status, 'success');
    assert.equal(classifyResponse({ status: 400, body: 'bad', headers: headers() }).status, 'failure');
    assert.equal(classifyResponse({ status: 404, body: '', headers: headers() }).status, 'failure');
    for (const status of [408, 429, 500, 502, 503, 504]) assert.equal(classifyResponse({ status, body: '', headers: headers() }).status, 'retryable', String(status));
  });
  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2030-01-01T00:00:00Z');
    const seconds = classifyResponse({ status: 429, body: '', headers: headers({ 'retry-after': '7' }) }, now);
    assert.equal(seconds.status === 'retryable' && seconds.retryInMillis, 7000);
    const date = classifyResponse({ status: 503, body: '', headers: headers({ 'retry-after': 'Tue, 01 Jan 2030 00:00:03 GMT' }) }, now);
    assert.equal(date.status === 'retryable' && date.retryInMillis, 3000);
  });
});

describe('httpAttempt against a local receiver', () => {
  const receiver = new TestReceiver();
  before(() => receiver.start());
  after(() => receiver.stop());

  it('a timeout is retryable', async () => {
    receiver.reply('hang');
    const started = Date.now();
    const result = await httpAttempt({ url: receiver.url, method: 'POST', body: '{}', timeoutMs: 200 });
    assert.equal(result.status, 'retryable');
    assert.match(result.status === 'retryable' ? result.error : '', /timed out after 200 ms/);
    assert.ok(Date.now() - started < 2000);
  });

  it('connection refused is retryable', async () => {
    const closed = await new TestReceiver().start();
    const url = closed.url;
    await closed.stop();
    const result = await httpAttempt({ url, method: 'POST', body: '{}', timeoutMs: 1000 });
    assert.equal(result.status, 'retryable');
    assert.match(result.status === 'retryable' ? result.error : '', /ECONNREFUSED/);
  });

  it('retry() waits at least the Retry-After of a 429, then succeeds', async () => {
    receiver.reply({ status: 429, headers: { 'retry-after': '1' }, body: 'slow down' }, { status: 200 });
    const before = receiver.requests.length;
    const outcome = await retry(() => httpAttempt({ url: receiver.url, method: 'POST', body: '{}', timeoutMs: 1000 }), { maxAttempts: 3, initialDelayMs: 10, maxDelayMs: 50 });
    assert.equal(outcome.result.status, 'success');
    assert.equal(outcome.attempts, 2);
    const [first, second] = receiver.requests.slice(before);
    assert.ok(second!.at - first!.at >= 950, `waited ${second!.at - first!.at} ms`);
  });
});
