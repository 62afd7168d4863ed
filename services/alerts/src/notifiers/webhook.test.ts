import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Webhook } from 'standardwebhooks';
import { secretKey } from '../http/signing.js';
import { TEST_SECRET, verdict } from '../testing/fixtures.js';
import { TestReceiver } from '../testing/receiver.js';
import { WebhookNotifier } from './webhook.js';

describe('WebhookNotifier', () => {
  const receiver = new TestReceiver();
  const verifier = new Webhook(TEST_SECRET);
  before(async () => {
    await receiver.start();
    // A receiver that verifies like a real one would: 401 on a bad signature.
    receiver.handler = (req) => {
      try {
        verifier.verify(req.body, req.headers as Record<string, string>);
        return undefined;
      } catch {
        return { status: 401, body: 'bad signature' };
      }
    };
  });
  after(() => receiver.stop());

  it('sends rollwatch.verdict.v1, signed, with a stable id across retries', async () => {
    const notifier = new WebhookNotifier({ url: `${receiver.url}/hooks/rollwatch`, key: secretKey(TEST_SECRET), timeoutMs: 1000 });
    const v = verdict({ sequence: 7 });
    const notice = {
      kind: 'notify' as const,
      verdict: v,
      previousDecision: 'go' as const,
      alertDecision: 'no-go' as const,
      summary: 'decision changed go → no-go',
      idempotencyKey: 'act_abc',
      links: { dashboard: 'http://d/#/rollouts/checkout-v2', verdictApi: 'http://api/v' },
      startsAt: v.evaluatedAt,
    };
    assert.equal((await notifier.send(notice)).status, 'success');
    receiver.reply({ status: 503 });
    const retried = await notifier.send(notice);
    assert.equal(retried.status, 'retryable');
    assert.equal((await notifier.send(notice)).status, 'success');
    const requests = receiver.requests.slice(-3);
    assert.deepEqual(new Set(requests.map((r) => r.headers['webhook-id'])), new Set(['act_abc']));
    assert.deepEqual(new Set(requests.map((r) => r.headers['idempotency-key'])), new Set(['act_abc']));
    const payload = JSON.parse(requests[0]!.body);
    assert.deepEqual(payload, {
      type: 'rollwatch.verdict.v1',
      event: 'notify',
      id: 'act_abc',
      rollout: 'checkout-v2',
      service: 'checkout',
      decision: 'no-go',
      previousDecision: 'go',
      score: 12.5,
      reasons: v.reasons,
      sequence: 7,
      evaluatedAt: v.evaluatedAt,
      summary: 'decision changed go → no-go',
      labels: { team: 'payments' },
      overridden: null,
      links: notice.links,
    });
  });

  it('a wrong secret is rejected by the receiver: a permanent failure', async () => {
    const wrong = new WebhookNotifier({ url: receiver.url, key: Buffer.alloc(32, 1), timeoutMs: 1000 });
    const result = await wrong.send({ kind: 'resolve', verdict: verdict(), previousDecision: null, alertDecision: 'no-go', summary: 's', idempotencyKey: 'act_x', links: { dashboard: '', verdictApi: '' }, startsAt: '' });
    assert.deepEqual(result, { status: 'failure', error: 'HTTP 401: bad signature', code: 401 });
  });
});
