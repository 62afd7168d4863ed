import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, createRegistry, MemoryBus, MemoryStore, TOPICS, type Verdict } from '@rollwatch/core';
import { startAlertmanager, type AlertmanagerServer } from '@rollwatch/testkit';
import { createAlerts, type AlertsService } from './service.js';
import { config, verdict } from './testing/fixtures.js';
import { eventually } from './testing/receiver.js';

// Against a real Alertmanager (the testkit's, from Debian's prometheus-alertmanager, or
// ALERTMANAGER_URL): an alert posted once would end at its endsAt (or resolve_timeout); rollwatch
// keeps re-posting it while the rollout stays no-go, then resolves it on go.
const RESEND_MS = 400;
const ROLLOUT = `prod/checkout@resend-${process.pid}-${Date.now()}`;

interface AmAlert {
  labels: Record<string, string>;
  startsAt: string;
  endsAt: string;
  status: { state: string };
}

describe('Alertmanager stays firing while the rollout is no-go', { timeout: 120_000 }, () => {
  let alertmanager: AlertmanagerServer | undefined;
  let amUrl: string;
  let service: AlertsService;
  const bus = new MemoryBus(1);

  before(async () => {
    if (process.env.ALERTMANAGER_URL) amUrl = process.env.ALERTMANAGER_URL;
    else {
      alertmanager = await startAlertmanager();
      amUrl = alertmanager.url;
    }
    service = createAlerts({
      config: config({ ALERTS_ALERTMANAGER_URL: amUrl, ALERTS_ALERTMANAGER_RESEND: `${RESEND_MS}ms` }),
      bus,
      store: new MemoryStore(),
      logger: createLogger('alerts', 'silent'),
      registry: createRegistry('alerts'),
    });
    await service.start();
  });
  after(async () => {
    await service?.stop();
    await alertmanager?.stop();
  });

  const ours = async (): Promise<AmAlert | undefined> => {
    const res = await fetch(`${amUrl}/api/v2/alerts?filter=${encodeURIComponent(`rollout="${ROLLOUT}"`)}`);
    assert.equal(res.status, 200);
    return ((await res.json()) as AmAlert[])[0];
  };
  const publish = (v: Verdict) => bus.publish(TOPICS.verdicts, [{ key: v.rollout, value: JSON.stringify(v) }]);

  it('re-posts with endsAt in the future past the first endsAt, then resolves on go', async () => {
    await publish(verdict({ rollout: ROLLOUT, sequence: 1, decision: 'no-go' }));
    const first = await eventually('the alert in Alertmanager', async () => (await ours()) ?? false, 15_000, 50);
    assert.ok(first);
    assert.equal(first.status.state, 'active');
    const firstEndsAt = Date.parse(first.endsAt);
    assert.ok(firstEndsAt > Date.now(), `endsAt ${first.endsAt} is in the future`);
    assert.ok(firstEndsAt <= Date.now() + 4 * RESEND_MS + 1000, `endsAt ${first.endsAt} is about 4 resend intervals ahead`);

    // Past the first endsAt, the alert is still active: it was re-posted with a later endsAt.
    const later = await eventually(
      'the alert to outlive its first endsAt',
      async () => {
        const now = Date.now();
        const alert = await ours();
        return now > firstEndsAt + RESEND_MS && alert && alert.status.state === 'active' && Date.parse(alert.endsAt) > now ? alert : false;
      },
      30_000,
      100,
    );
    assert.ok(later);
    assert.equal(later.startsAt, first.startsAt, 'the same alert (same startsAt and labels), not a new one');
    assert.deepEqual(later.labels, first.labels);

    // go: resolved (endsAt now), and no re-post opens it again.
    await publish(verdict({ rollout: ROLLOUT, sequence: 2, decision: 'go', reasons: [] }));
    await eventually('the alert resolved', async () => (await ours()) === undefined, 15_000, 50);
    const resolvedAt = Date.now();
    await eventually('three more resend intervals', () => Date.now() > resolvedAt + 3 * RESEND_MS, 5000, 50);
    assert.equal(await ours(), undefined, 'not re-opened by a late re-post');
  });
});
