import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Webhook } from 'standardwebhooks';
import { secretKey } from '../http/signing.js';
import { TEST_SECRET, verdict } from '../testing/fixtures.js';
import { TestReceiver } from '../testing/receiver.js';
import { WebhookActuator } from './webhook.js';

describe('WebhookActuator', () => {
  const receiver = new TestReceiver();
  before(() => receiver.start());
  after(() => receiver.stop());

  it('POSTs a signed rollwatch.action.v1 per action', async () => {
    const actuator = new WebhookActuator({ url: `${receiver.url}/deploy/hook`, key: secretKey(TEST_SECRET), timeoutMs: 1000 });
    const v = verdict({ sequence: 4 });
    const request = { rollout: 'checkout-v2', target: { namespace: 'shop', name: 'checkout' }, verdict: v, reason: 'decision changed go → no-go', idempotencyKey: 'act_9' };
    for (const kind of ['pause', 'rollback', 'resume'] as const) assert.equal((await actuator[kind](request)).status, 'success');
    const bodies = receiver.requests.map((r) => new Webhook(TEST_SECRET).verify(r.body, r.headers as Record<string, string>) as { action: string });
    assert.deepEqual(bodies.map((b) => b.action), ['pause', 'rollback', 'resume']);
    assert.deepEqual(bodies[1], {
      type: 'rollwatch.action.v1',
      id: 'act_9',
      action: 'rollback',
      rollout: 'checkout-v2',
      target: { namespace: 'shop', name: 'checkout' },
      decision: 'no-go',
      sequence: 4,
      reason: 'decision changed go → no-go',
      evaluatedAt: v.evaluatedAt,
    });
    assert.equal(receiver.requests[1]!.headers['idempotency-key'], 'act_9');
  });
});
