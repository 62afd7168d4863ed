import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MemoryBus, TOPICS, createLogger, createRegistry, parseEvent } from '@rollwatch/core';
import { createDetectorMetrics } from '../metrics.js';
import { createMetricProvider, metricProviderKind } from './factory.js';
import { MetricPoller, samplesToEvents } from './poller.js';
import { parseRangeResponse, PrometheusMetricProvider } from './prometheus.js';
import { renderPromQL } from './template.js';
import { collect, waitUntil } from '../testing/harness.js';

describe('PromQL templating', () => {
  it('fills rollout/group/service and escapes them as string literals', () => {
    assert.equal(renderPromQL('rate(x{rollout="{{rollout}}",group="{{ group }}"}[1m])', { rollout: 'a"b\\c', group: 'canary' }), 'rate(x{rollout="a\\"b\\\\c",group="canary"}[1m])');
    assert.throws(() => renderPromQL('{{pod}}', { rollout: 'r', group: 'g' }), /unknown placeholder/);
  });
});

describe('Prometheus responses', () => {
  it('parses a matrix, dropping NaN', () => {
    const result = parseRangeResponse({ status: 'success', data: { resultType: 'matrix', result: [{ metric: { instance: 'a' }, values: [[1700000000, '1.5'], [1700000015, 'NaN']] }, { metric: {}, values: [[1700000000, '2']] }] } });
    assert.deepEqual(result, { status: 'success', value: [{ instance: 'a', t: 1700000000000, value: 1.5 }, { t: 1700000000000, value: 2 }] });
    assert.equal(parseRangeResponse({ status: 'error', errorType: 'bad_data', error: 'parse error' }).status, 'failure');
  });

  it('classifies HTTP outcomes: 5xx/429 retryable (with Retry-After), 400 failure, connection refused retryable', async () => {
    const replies: [number, string, Record<string, string>][] = [
      [503, 'overloaded', { 'retry-after': '2' }],
      [400, JSON.stringify({ status: 'error', errorType: 'bad_data', error: 'bad query' }), {}],
      [200, JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [] } }), {}],
    ];
    const server = createServer((req, res) => {
      const [status, body, headers] = replies.shift()!;
      let form = '';
      req.on('data', (c: Buffer) => (form += c.toString()));
      req.on('end', () => {
        assert.equal(req.url, '/api/v1/query_range');
        assert.match(form, /query=up%7Brollout%3D%22r%22%2Cgroup%3D%22canary%22%7D/);
        assert.match(form, /step=15/);
        res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(body);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const provider = new PrometheusMetricProvider({ url, timeoutMs: 2000, queries: { http_error_rate: 'up{rollout="{{rollout}}",group="{{group}}"}' } });
    const q = { rollout: 'r', group: 'canary' as const, signal: 'http_error_rate', startMs: Date.now() - 60_000, endMs: Date.now(), stepMs: 15_000 };
    assert.deepEqual(provider.signals, ['http_error_rate']);
    try {
      const overloaded = await provider.fetch(q);
      assert.equal(overloaded.status, 'retryable');
      if (overloaded.status === 'retryable') assert.equal(overloaded.retryInMillis, 2000);
      const bad = await provider.fetch(q);
      assert.equal(bad.status, 'failure');
      if (bad.status === 'failure') assert.equal(bad.code, 400);
      assert.deepEqual(await provider.fetch(q), { status: 'success', value: [] });
      assert.equal((await provider.fetch({ ...q, signal: 'latency' })).status, 'failure', 'no query configured for the signal');
    } finally {
      server.close();
    }
    const refused = await new PrometheusMetricProvider({ url: 'http://127.0.0.1:1', timeoutMs: 500, queries: { x: 'up' } }).fetch({ ...q, signal: 'x' });
    assert.equal(refused.status, 'retryable');
  });

  it('factory: explicit kind wins, PROMETHEUS_URL implies prometheus, unset is a no-op', async () => {
    assert.equal(metricProviderKind({ DETECTOR_METRIC_PROVIDER: undefined, PROMETHEUS_URL: undefined }), 'none');
    assert.equal(metricProviderKind({ DETECTOR_METRIC_PROVIDER: undefined, PROMETHEUS_URL: 'http://p:9090' }), 'prometheus');
    assert.equal(metricProviderKind({ DETECTOR_METRIC_PROVIDER: 'none', PROMETHEUS_URL: 'http://p:9090' }), 'none');
    const none = createMetricProvider({ DETECTOR_METRIC_PROVIDER: undefined, PROMETHEUS_URL: undefined, PROMETHEUS_TIMEOUT_MS: 1000, PROMETHEUS_QUERIES: {} });
    assert.equal(none.kind, 'none');
    assert.deepEqual(await none.fetch({ rollout: 'r', group: 'canary', signal: 's', startMs: 0, endMs: 1, stepMs: 1000 }), { status: 'success', value: [] });
    const prom = createMetricProvider({ DETECTOR_METRIC_PROVIDER: undefined, PROMETHEUS_URL: 'http://p:9090', PROMETHEUS_TIMEOUT_MS: 1000, PROMETHEUS_QUERIES: { latency: 'x' } });
    assert.deepEqual([prom.kind, prom.signals], ['prometheus', ['latency']]);
  });
});

describe('metric poller', () => {
  it('samples become valid event-v1 metric events with stable ids', () => {
    const t = Date.now() - 30_000;
    const events = samplesToEvents([{ instance: 'p1', t, value: 0.5 }], { rollout: 'r', group: 'canary', signal: 'http_error_rate', service: 's' });
    assert.equal(events.length, 1);
    const parsed = parseEvent(events[0]);
    assert.ok(parsed.ok, JSON.stringify(parsed));
    assert.equal(events[0]!.instance, 'p1');
    assert.equal(events[0]!.metric, 'http_error_rate', 'named after the policy signal');
    assert.equal(events[0]!.id, samplesToEvents([{ instance: 'p1', t, value: 0.7 }], { rollout: 'r', group: 'canary', signal: 'http_error_rate' })[0]!.id);
    assert.equal(samplesToEvents([{ t, value: 1 }], { rollout: 'r', group: 'baseline', signal: 'x' })[0]!.instance, 'prometheus-baseline');
    // A revision's samples go to that revision, with ids of their own.
    const revised = samplesToEvents([{ instance: 'p1', t, value: 0.5 }], { rollout: 'r', revision: 'B', group: 'canary', signal: 'http_error_rate' })[0]!;
    assert.equal(revised.revision, 'B');
    assert.notEqual(revised.id, events[0]!.id);
  });

  it('publishes samples per rollout and group to rollwatch.events and continues after the newest sample', async () => {
    const bus = new MemoryBus(1);
    const queries: string[] = [];
    const now = Date.now();
    const poller = new MetricPoller({
      provider: {
        kind: 'fake',
        signals: ['errors'],
        fetch: async (q) => {
          queries.push(`${q.rollout}/${q.group}/${q.signal}@${q.startMs}`);
          return { status: 'success', value: [{ instance: 'i', t: now - 15_000, value: 1 }] };
        },
      },
      bus,
      logger: createLogger('t', 'silent'),
      metrics: createDetectorMetrics(createRegistry('t')),
      stepSeconds: 15,
      lookbackMs: 600_000,
      now: () => now,
      rollouts: () => [{ rollout: 'r1' }],
    });
    const events = await collect(bus, TOPICS.events);
    await poller.poll();
    await waitUntil('two events', () => events.messages.length === 2);
    assert.deepEqual(queries, [`r1/canary/errors@${now - 600_000}`, `r1/baseline/errors@${now - 600_000}`]);
    assert.deepEqual(events.messages.map((m) => m.key), ['r1', 'r1']);
    await poller.poll();
    assert.equal(queries.length, 2, 'the cursor moved past the newest sample: nothing to ask yet');
    await events.stop();
  });
});
