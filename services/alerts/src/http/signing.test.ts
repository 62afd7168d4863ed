import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Webhook } from 'standardwebhooks';
import { ValidationError } from '@rollwatch/core';
import { TEST_SECRET } from '../testing/fixtures.js';
import { secretKey, signWebhook, webhookHeaders } from './signing.js';

describe('Standard Webhooks signing', () => {
  it('is verified by the official standardwebhooks package', () => {
    const body = JSON.stringify({ type: 'rollwatch.verdict.v1', rollout: 'checkout-v2', decision: 'no-go' });
    const headers = webhookHeaders(secretKey(TEST_SECRET), 'act_123', body);
    const verified = new Webhook(TEST_SECRET).verify(body, headers);
    assert.deepEqual(verified, JSON.parse(body));
    assert.equal(headers['idempotency-key'], 'act_123');
    assert.equal(headers['webhook-id'], 'act_123');
  });

  it('matches the package signature byte for byte', () => {
    const ts = new Date('2030-01-01T00:00:00Z');
    const ours = signWebhook(secretKey(TEST_SECRET), 'msg_1', Math.floor(ts.getTime() / 1000), '{"a":1}');
    assert.equal(ours['webhook-signature'], new Webhook(TEST_SECRET).sign('msg_1', ts, '{"a":1}'));
  });

  it('fails verification for a tampered body or another secret', () => {
    const body = '{"decision":"no-go"}';
    const headers = webhookHeaders(secretKey(TEST_SECRET), 'act_1', body);
    assert.throws(() => new Webhook(TEST_SECRET).verify('{"decision":"go"}', headers));
    assert.throws(() => new Webhook('whsec_' + Buffer.alloc(24, 7).toString('base64')).verify(body, headers));
  });

  it('rejects secrets that are not whsec_<base64>', () => {
    assert.throws(() => secretKey('hunter2'), ValidationError);
    assert.throws(() => secretKey('whsec_c2hvcnQ='), /at least 16 bytes/);
  });

  it('without a secret still sends webhook-id for dedup', () => {
    const headers = webhookHeaders(undefined, 'act_9', '{}');
    assert.equal(headers['webhook-id'], 'act_9');
    assert.equal(headers['webhook-signature' as keyof typeof headers], undefined);
  });
});
