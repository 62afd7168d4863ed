import type { AttemptResult, Reason } from '@rollwatch/core';
import { httpAttempt, toDelivery } from '../http/attempt.js';
import type { Delivery, Notice, Notifier } from './interface.js';
import { topReasons } from './payload.js';

export interface SlackNotifierOptions {
  webhookUrl: string;
  timeoutMs: number;
}

/** Slack's mrkdwn needs &, < and > escaped; everything else is literal. */
export function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const SEVERITY_ICON: Record<Reason['severity'], string> = { critical: ':red_circle:', fail: ':large_orange_circle:', warn: ':warning:', info: ':information_source:' };
// Slack rejects section text over 3000 characters.
const MAX_SECTION = 2900;

/**
 * The one-line title. `escape` is slackEscape for mrkdwn (the fallback `text`), identity for
 * plain_text blocks (Slack does not parse links or mentions there). Rollout ids, services and
 * reasons come from event producers: unescaped, `<!channel>` would page a whole channel and
 * `<https://evil|Open dashboard>` would be a disguised link.
 */
function headline(notice: Notice, escape: (text: string) => string = slackEscape): string {
  const v = notice.verdict;
  if (notice.kind === 'resolve') return `:white_check_mark: Resolved: rollout ${escape(v.rollout)} (${escape(notice.summary)})`;
  const icon = v.decision === 'no-go' ? ':rotating_light:' : v.decision === 'pending' ? ':hourglass:' : ':white_check_mark:';
  return `${icon} ${v.decision.toUpperCase()}: rollout ${escape(v.rollout)}${v.service ? ` (${escape(v.service)})` : ''}`;
}

function reasonLine(reason: Reason): string {
  const numbers = [
    reason.canary != null ? `canary ${reason.canary}` : '',
    reason.baseline != null ? `baseline ${reason.baseline}` : '',
    reason.pValue != null ? `p=${reason.pValue}` : '',
  ].filter(Boolean);
  return `${SEVERITY_ICON[reason.severity]} *${slackEscape(reason.signal)}*: ${slackEscape(reason.message)}${numbers.length ? ` _(${numbers.join(', ')})_` : ''}`;
}

/** Pure: the Slack message (fallback text + Block Kit blocks) for a notice. */
export function slackMessage(notice: Notice): { text: string; blocks: Record<string, unknown>[] } {
  const v = notice.verdict;
  const title = headline(notice);
  const facts = [
    `*Decision:* ${v.decision}${notice.previousDecision ? ` (was ${notice.previousDecision})` : ''}`,
    `*Score:* ${v.score ?? 'n/a'}`,
    `*Sequence:* ${v.sequence}`,
    `*Evaluated:* ${v.evaluatedAt}`,
  ];
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: headline(notice, (t) => t).replace(/:[a-z_]+: /, '').slice(0, 150), emoji: true } },
    { type: 'section', text: { type: 'mrkdwn', text: slackEscape(notice.summary).slice(0, MAX_SECTION) }, fields: facts.map((text) => ({ type: 'mrkdwn', text })) },
  ];
  if (v.overridden) {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `Overridden by *${slackEscape(v.overridden.by)}*: ${slackEscape(v.overridden.reason)}` }] });
  }
  const reasons = topReasons(v.reasons);
  if (notice.kind === 'notify' && reasons.length > 0) {
    const more = v.reasons.length - reasons.length;
    const text = `*Top reasons*\n${reasons.map(reasonLine).join('\n')}${more > 0 ? `\n…and ${more} more` : ''}`;
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: text.slice(0, MAX_SECTION) } });
  }
  blocks.push({
    type: 'actions',
    elements: [
      { type: 'button', text: { type: 'plain_text', text: 'Open dashboard' }, url: notice.links.dashboard },
      { type: 'button', text: { type: 'plain_text', text: 'Verdict API' }, url: notice.links.verdictApi },
    ],
  });
  const topReason = reasons[0] ? ` — ${slackEscape(reasons[0].signal)}: ${slackEscape(reasons[0].message)}` : '';
  return { text: `${title}${notice.kind === 'notify' ? topReason : ''} ${slackEscape(notice.links.dashboard)}`, blocks };
}

/** Slack incoming webhook; a 429 is retried after its Retry-After (the executor honours it). */
export class SlackNotifier implements Notifier {
  readonly name = 'slack' as const;
  constructor(private readonly options: SlackNotifierOptions) {}

  async send(notice: Notice, signal?: AbortSignal): Promise<AttemptResult<Delivery>> {
    return toDelivery(
      await httpAttempt({
        url: this.options.webhookUrl,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'rollwatch-alerts' },
        body: JSON.stringify(slackMessage(notice)),
        timeoutMs: this.options.timeoutMs,
        signal,
      }),
    );
  }
}
