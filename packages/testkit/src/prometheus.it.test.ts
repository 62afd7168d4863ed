import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startAlertmanager, startPrometheus, type AlertmanagerServer, type PrometheusServer } from './index.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('Prometheus + Alertmanager from the testkit', () => {
  let target: http.Server;
  let hook: http.Server;
  const notifications: { status: string; alerts: { labels: Record<string, string> }[] }[] = [];
  let am: AlertmanagerServer;
  let prom: PrometheusServer;

  before(async () => {
    target = http.createServer((_req, res) => { res.setHeader('content-type', 'text/plain'); res.end('# TYPE rw_errors_total counter\nrw_errors_total{svc="api"} 7\n'); });
    hook = http.createServer((req, res) => {
      let b = '';
      req.on('data', (d: Buffer) => { b += d.toString(); });
      req.on('end', () => { notifications.push(JSON.parse(b)); res.end('ok'); });
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    am = await startAlertmanager({ webhookUrl: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook` });
    prom = await startPrometheus({
      scrapeConfigs: [{ job_name: 'app', static_configs: [{ targets: [`127.0.0.1:${(target.address() as AddressInfo).port}`] }] }],
      ruleFiles: ['groups:\n  - name: t\n    rules:\n      - alert: TooManyErrors\n        expr: rw_errors_total > 5\n        labels: { severity: page }\n'],
      alertmanagers: [am.url],
    });
  });
  after(async () => {
    await prom?.stop();
    await am?.stop();
    target?.close();
    hook?.close();
  });

  it('scrapes a target, evaluates a rule and delivers the alert through Alertmanager to a webhook', async () => {
    let value: string | undefined;
    for (let i = 0; i < 60 && value === undefined; i++) {
      const r = (await (await fetch(`${prom.url}/api/v1/query?query=${encodeURIComponent('rw_errors_total{job="app"}')}`)).json()) as { data: { result: { value: [number, string] }[] } };
      value = r.data.result[0]?.value[1];
      if (value === undefined) await sleep(250);
    }
    assert.equal(value, '7');
    for (let i = 0; i < 80 && !notifications.some((n) => n.alerts.some((a) => a.labels.alertname === 'TooManyErrors')); i++) await sleep(250);
    const n = notifications.find((x) => x.alerts.some((a) => a.labels.alertname === 'TooManyErrors'));
    assert.ok(n, 'no webhook notification for TooManyErrors within 20 s');
    assert.equal(n.status, 'firing');
    const alerts = (await (await fetch(`${am.url}/api/v2/alerts`)).json()) as { labels: Record<string, string> }[];
    assert.ok(alerts.some((a) => a.labels.alertname === 'TooManyErrors' && a.labels.severity === 'page'));
  });
});
