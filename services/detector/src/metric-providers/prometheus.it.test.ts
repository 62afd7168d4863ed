import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MemoryBus, TOPICS, createLogger, createRegistry, parseEvent } from '@rollwatch/core';
import { startPrometheus, type PrometheusServer } from '@rollwatch/testkit';
import { createDetectorMetrics } from '../metrics.js';
import { MetricPoller } from './poller.js';
import { PrometheusMetricProvider } from './prometheus.js';
import { renderPromQL } from './template.js';
import { collect, waitUntil } from '../testing/harness.js';

/** The Prometheus provider against a REAL Prometheus scraping a tiny exporter of canary/baseline series. */
describe('Prometheus metric provider', { timeout: 120_000 }, () => {
  let exporter: Server;
  let prometheus: PrometheusServer;
  let errors = 0;

  before(async () => {
    exporter = createServer((_req, res) => {
      errors += 3;
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(
        [
          '# TYPE demo_http_errors_total counter',
          `demo_http_errors_total{rollout="shop/checkout",group="canary",pod="checkout-canary-0"} ${errors}`,
          `demo_http_errors_total{rollout="shop/checkout",group="baseline",pod="checkout-base-0"} ${Math.floor(errors / 3)}`,
          '# TYPE demo_ready gauge',
          'demo_ready{rollout="shop/checkout",group="canary",pod="checkout-canary-0"} 1',
          '',
        ].join('\n'),
      );
    });
    await new Promise<void>((r) => exporter.listen(0, '127.0.0.1', r));
    const target = `127.0.0.1:${(exporter.address() as AddressInfo).port}`;
    prometheus = await startPrometheus({ scrapeConfigs: [{ job_name: 'demo', scrape_interval: '1s', static_configs: [{ targets: [target] }] }] });
  });
  after(async () => {
    await prometheus?.stop();
    exporter?.close();
  });

  const template = 'sum by (pod) (demo_http_errors_total{rollout="{{rollout}}",group="{{group}}"})';

  it('runs templated range queries and returns each group\'s series', async () => {
    const provider = new PrometheusMetricProvider({ url: prometheus.url, timeoutMs: 5000, queries: { http_errors: template } });
    const query = (group: 'canary' | 'baseline') => ({ rollout: 'shop/checkout', group, signal: 'http_errors', startMs: Date.now() - 60_000, endMs: Date.now(), stepMs: 1000 });
    const canary = await waitUntil('scraped canary samples', async () => {
      const r = await provider.fetch(query('canary'));
      return r.status === 'success' && r.value.length >= 3 && r.value;
    }, 60_000);
    assert.ok(canary.every((s) => s.instance === 'checkout-canary-0'));
    const values = canary.map((s) => s.value);
    assert.deepEqual(values, [...values].sort((a, b) => a - b), 'a counter only grows');
    const baseline = await provider.fetch(query('baseline'));
    assert.equal(baseline.status, 'success');
    if (baseline.status === 'success') {
      assert.ok(baseline.value.length > 0);
      assert.ok(baseline.value.every((s) => s.instance === 'checkout-base-0'));
      assert.ok(baseline.value[baseline.value.length - 1]!.value < canary[canary.length - 1]!.value);
    }
    const bad = await provider.queryRange({ query: renderPromQL('sum(', { rollout: 'r', group: 'canary' }), startMs: Date.now() - 60_000, endMs: Date.now(), stepSeconds: 1 });
    assert.equal(bad.status, 'failure', 'a PromQL syntax error is permanent');
  });

  it('polls into rollwatch.events as valid metric events', async () => {
    const bus = new MemoryBus(1);
    const out = await collect(bus, TOPICS.events);
    const poller = new MetricPoller({
      provider: new PrometheusMetricProvider({ url: prometheus.url, timeoutMs: 5000, queries: { http_errors: template } }),
      bus,
      logger: createLogger('prom-it', 'silent'),
      metrics: createDetectorMetrics(createRegistry('prom-it')),
      stepSeconds: 1,
      lookbackMs: 30_000,
      rollouts: () => [{ rollout: 'shop/checkout', service: 'checkout' }],
    });
    await poller.poll();
    const messages = await waitUntil('metric events', () => out.messages.length > 0 && out.messages);
    const events = messages.map((m) => parseEvent(JSON.parse(m.value)));
    assert.ok(events.every((e) => e.ok), 'every polled sample is a valid event v1');
    const groups = new Set(events.map((e) => (e.ok ? e.event.group : '')));
    assert.deepEqual([...groups].sort(), ['baseline', 'canary']);
    const first = events[0]!;
    if (first.ok) {
      assert.equal(first.event.type, 'metric');
      assert.equal(first.event.metric, 'http_errors');
      assert.equal(first.event.source, 'prometheus');
      assert.equal(first.event.service, 'checkout');
    }
    await out.stop();
  });
});
