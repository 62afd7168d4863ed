import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { INDICES } from '@rollwatch/core';
import { createDefaultEngine } from './engine.js';
import { crashLoop, publishEvents, startHarness, waitUntil } from './testing/harness.js';

/** The detector with the real @rollwatch/analysis engine (MemoryBus + MemoryStore). */
describe('detector with the analysis engine', () => {
  it('a crash-looping canary is no-go within the batch; gate 409; anomaly stored', async () => {
    const h = await startHarness({ engine: createDefaultEngine({ DETECTOR_POLICY_FILE: undefined, DETECTOR_DEFAULT_POLICY: undefined }) });
    try {
      const started = Date.now();
      await publishEvents(h.bus, crashLoop('real/checkout'));
      const verdict = await waitUntil('no-go', () => h.detector.tracker.latest('real/checkout')?.decision === 'no-go' && h.detector.tracker.latest('real/checkout'));
      const latencyMs = Date.now() - started;
      assert.ok(latencyMs < 2000, `no-go after ${latencyMs} ms`);
      console.log(`embedded: publish → no-go in ${latencyMs} ms`);
      assert.equal(verdict.cause, 'release');
      assert.ok(verdict.reasons.some((r) => r.signal === 'crash_loop' && r.severity === 'critical'));
      const gate = await fetch(`${h.url}/api/v1/rollouts/real%2Fcheckout/gate`);
      assert.equal(gate.status, 409);
      const anomalies = await h.store.search(INDICES.anomalies, { filters: { rollout: 'real/checkout' } });
      assert.ok(anomalies.hits.some((a) => a.signal === 'crash_loop'));
      for (const path of ['series', 'hosts', 'templates']) assert.equal((await fetch(`${h.url}/api/v1/rollouts/real%2Fcheckout/${path}`)).status, 200, path);
    } finally {
      await h.close();
    }
  });

  it('log templates: new-in-canary lines come first with rates', async () => {
    const h = await startHarness({ engine: createDefaultEngine({ DETECTOR_POLICY_FILE: undefined, DETECTOR_DEFAULT_POLICY: undefined }) });
    try {
      const base = Date.now() - 120_000;
      const events = [];
      for (let i = 0; i < 10; i++) {
        const time = new Date(base + i * 1000).toISOString();
        // Templates track warn+ lines (policy logTemplates.minLevel); this one is on both sides.
        events.push({ id: `b${i}`, time, rollout: 'real/logs', group: 'baseline', type: 'log', level: 'warn', instance: 'b-1', message: `cache miss for key ${i * 7}` });
        events.push({ id: `cw${i}`, time, rollout: 'real/logs', group: 'canary', type: 'log', level: 'warn', instance: 'c-0', message: `cache miss for key ${i * 11}` });
        events.push({ id: `c${i}`, time, rollout: 'real/logs', group: 'canary', type: 'log', level: 'error', instance: `c-${i % 2}`, message: `NullPointerException in CartService line ${100 + i}` });
      }
      await publishEvents(h.bus, events);
      await waitUntil('evaluated', () => h.detector.tracker.latest('real/logs'));
      const body = (await (await fetch(`${h.url}/api/v1/rollouts/real%2Flogs/templates`)).json()) as { templates: { template: string; newInCanary: boolean; canary: number; canaryPerMinute: number }[] };
      assert.ok(body.templates.length >= 2, JSON.stringify(body));
      const first = body.templates[0]!;
      assert.equal(first.newInCanary, true);
      assert.match(first.template, /NullPointerException/);
      assert.equal(first.canary, 10);
      assert.ok(first.canaryPerMinute > 0);
      assert.ok(body.templates.some((t) => !t.newInCanary));
    } finally {
      await h.close();
    }
  });

  it('registration validates policy names against the engine', async () => {
    const h = await startHarness({ engine: createDefaultEngine({ DETECTOR_POLICY_FILE: undefined, DETECTOR_DEFAULT_POLICY: undefined }) });
    try {
      const post = (body: unknown) => fetch(`${h.url}/api/v1/rollouts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      assert.equal((await post({ id: 'real/a', policy: 'strict' })).status, 201);
      const unknown = await post({ id: 'real/b', policy: 'nope' });
      assert.equal(unknown.status, 400);
      assert.equal(((await unknown.json()) as { field: string }).field, 'policy');
      const verdict = (await (await fetch(`${h.url}/api/v1/rollouts/real%2Fa/verdict`)).json()) as { decision: string };
      assert.equal(verdict.decision, 'pending');
    } finally {
      await h.close();
    }
  });
});
