import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { verdict } from '../testing/fixtures.js';
import { TestReceiver } from '../testing/receiver.js';
import type { Notice } from './interface.js';
import { SlackNotifier, slackEscape, slackMessage } from './slack.js';

function notice(overrides: Partial<Notice> = {}): Notice {
  return {
    kind: 'notify',
    verdict: verdict(),
    previousDecision: 'go',
    alertDecision: 'no-go',
    summary: 'decision changed go → no-go',
    idempotencyKey: 'act_1',
    links: { dashboard: 'http://localhost:8081/#/rollouts/checkout-v2', verdictApi: 'http://localhost:8081/api/v1/rollouts/checkout-v2/verdict' },
    startsAt: '2030-01-01T00:00:00.000Z',
    ...overrides,
  };
}

describe('slackMessage', () => {
  it('has the decision, top reasons (most severe first) and both links', () => {
    const message = slackMessage(notice());
    const json = JSON.stringify(message.blocks);
    assert.match(message.text, /NO-GO: rollout checkout-v2/);
    assert.match(message.text, /oom_killed/, 'fallback text carries the top reason');
    assert.equal(message.blocks[0]!.type, 'header');
    assert.match(json, /\*Decision:\* no-go \(was go\)/);
    const reasons = message.blocks.find((b) => JSON.stringify(b).includes('Top reasons'));
    const text = (reasons as { text: { text: string } }).text.text;
    assert.ok(text.indexOf('oom_killed') < text.indexOf('error_rate'), 'critical before fail');
    assert.ok(text.indexOf('error_rate') < text.indexOf('latency_p99'), 'fail before warn');
    const buttons = (message.blocks.at(-1) as { elements: { url: string }[] }).elements.map((e) => e.url);
    assert.deepEqual(buttons, [notice().links.dashboard, notice().links.verdictApi]);
  });

  it('escapes producer-chosen text everywhere Slack parses mrkdwn: no <!channel>, no disguised links', () => {
    const evil = '<!channel> <https://evil.example|Open dashboard> & <@U123>';
    const overridden = { by: evil, reason: evil, at: '2030-01-01T00:00:00.000Z' };
    for (const kind of ['notify', 'resolve'] as const) {
      const message = slackMessage(
        notice({
          kind,
          summary: evil,
          verdict: verdict({ rollout: `r${evil}`, service: `s${evil}`, overridden, reasons: [{ signal: `sig${evil}`, severity: 'critical', message: evil }] }),
        }),
      );
      // Every string Slack reads as mrkdwn: the fallback text and each mrkdwn text object.
      const mrkdwn: string[] = [message.text];
      JSON.stringify(message.blocks, (_key, value: unknown) => {
        const v = value as { type?: string; text?: unknown };
        if (v && typeof v === 'object' && v.type === 'mrkdwn' && typeof v.text === 'string') mrkdwn.push(v.text);
        return value;
      });
      assert.ok(mrkdwn.length >= 4, kind);
      for (const text of mrkdwn) {
        assert.doesNotMatch(text, /<[!@#]|<https?:|&(?!amp;|lt;|gt;)/, `${kind}: unescaped in ${text}`);
      }
      assert.match(message.text, /&lt;!channel&gt;/);
    }
  });

  it('escapes mrkdwn control characters from reasons', () => {
    assert.equal(slackEscape('<script> & co'), '&lt;script&gt; &amp; co');
    const message = slackMessage(notice({ verdict: verdict({ reasons: [{ signal: 'log', severity: 'fail', message: 'new error <@channel>' }] }) }));
    assert.ok(!JSON.stringify(message.blocks).includes('<@channel>'));
  });

  it('a resolve says so, without reasons', () => {
    const message = slackMessage(notice({ kind: 'resolve', summary: 'rolled back by rollwatch' }));
    assert.match(message.text, /Resolved: rollout checkout-v2 \(rolled back by rollwatch\)/);
    assert.ok(!JSON.stringify(message.blocks).includes('Top reasons'));
  });

  it('shows who overrode a verdict', () => {
    const message = slackMessage(notice({ verdict: verdict({ overridden: { by: 'ana', reason: 'bad deploy', at: '2030-01-01T00:00:00Z' } }) }));
    assert.match(JSON.stringify(message.blocks), /Overridden by \*ana\*: bad deploy/);
  });
});

describe('SlackNotifier', () => {
  const slack = new TestReceiver();
  before(() => slack.start());
  after(() => slack.stop());

  it('POSTs the message JSON to the incoming webhook', async () => {
    const sent = notice();
    const result = await new SlackNotifier({ webhookUrl: `${slack.url}/services/T/B/X`, timeoutMs: 1000 }).send(sent);
    assert.deepEqual(result, { status: 'success', value: { responseCode: 200 } });
    const request = slack.requests.at(-1)!;
    assert.equal(request.method, 'POST');
    assert.equal(request.path, '/services/T/B/X');
    assert.equal(request.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(request.body), slackMessage(sent));
  });

  it('reports a 429 as retryable with its Retry-After, and a 404 (revoked webhook) as permanent', async () => {
    slack.reply({ status: 429, headers: { 'retry-after': '30' }, body: 'rate_limited' }, { status: 404, body: 'no_service' });
    const notifier = new SlackNotifier({ webhookUrl: slack.url, timeoutMs: 1000 });
    assert.deepEqual(await notifier.send(notice()), { status: 'retryable', error: 'HTTP 429: rate_limited', code: 429, retryInMillis: 30_000 });
    assert.deepEqual(await notifier.send(notice()), { status: 'failure', error: 'HTTP 404: no_service', code: 404 });
  });
});
