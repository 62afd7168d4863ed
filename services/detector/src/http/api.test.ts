import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { JSONPath } from 'jsonpath-plus';
import type { TemplateTableRow } from '@rollwatch/core';
import { FakeEngine } from '../testing/fake-engine.js';
import { GATE_RETRY_AFTER_SECONDS } from './rollouts.js';
import { authHeaders, crashLoop, event, publishEvents, startHarness, waitUntil, type Harness } from '../testing/harness.js';

const WRITE = 'write-secret';
const READ = 'read-secret';

describe('detector API', () => {
  let h: Harness;
  // `null` = send no token (undefined would pick the default).
  const get = (path: string, token: string | null = READ) => fetch(`${h.url}${path}`, { headers: authHeaders(token ?? undefined) });
  const post = (path: string, body: unknown, token: string | null = WRITE) =>
    fetch(`${h.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...authHeaders(token ?? undefined) }, body: typeof body === 'string' ? body : JSON.stringify(body) });

  before(async () => {
    h = await startHarness({ engine: new FakeEngine({ policies: ['default', 'strict'] }), config: { ROLLWATCH_API_TOKEN: WRITE, ROLLWATCH_READ_TOKEN: READ } });
    await publishEvents(h.bus, crashLoop('prod/checkout'));
    await publishEvents(h.bus, [
      event({ rollout: 'prod/cart', group: 'baseline', hostAttributes: { kernel: '6.1' } }),
      event({ rollout: 'prod/cart', group: 'canary', hostAttributes: { kernel: '6.8' }, message: 'cart ready', type: 'log', level: 'info' }),
      event({ rollout: 'prod/cart', group: 'canary', hostAttributes: { kernel: '6.8' } }),
    ]);
    await waitUntil('both rollouts evaluated', () => h.detector.tracker.latest('prod/checkout')?.decision === 'no-go' && h.detector.tracker.latest('prod/cart'));
  });
  after(async () => h.close());

  describe('auth', () => {
    it('401 without a token, 403 with a wrong one, read token may not write', async () => {
      const missing = await get('/api/v1/rollouts', null);
      assert.equal(missing.status, 401);
      assert.equal(((await missing.json()) as { field: string }).field, 'authorization');
      assert.equal((await get('/api/v1/rollouts', 'nope')).status, 403);
      assert.equal((await post('/api/v1/rollouts', { id: 'x' }, READ)).status, 403);
      assert.equal((await post('/api/v1/rollouts', { id: 'x' }, null)).status, 401);
      assert.equal((await get('/api/v1/rollouts', WRITE)).status, 200, 'the write token also reads');
      assert.equal((await get('/api/v1/events', 'nope')).status, 403);
      assert.equal((await get('/api/v1/rollouts/prod%2Fcheckout/anomalies', null)).status, 401);
    });
    it('health, readiness and metrics stay open', async () => {
      assert.equal((await get('/healthz', null)).status, 200);
      assert.equal((await get('/readyz', null)).status, 200);
      assert.equal((await get('/metrics', null)).status, 200);
    });
  });

  describe('rollouts', () => {
    it('lists rollouts with decision, score, instance counts and lastEventAt', async () => {
      const res = await get('/api/v1/rollouts');
      const body = (await res.json()) as { total: number; items: { rollout: string; decision: string; score: number | null; instances: { canary: number }; lastEventAt: string }[] };
      assert.equal(body.total, 2);
      const checkout = body.items.find((i) => i.rollout === 'prod/checkout')!;
      assert.equal(checkout.decision, 'no-go');
      assert.equal(typeof checkout.score, 'number');
      assert.equal(checkout.instances.canary, 1);
      assert.ok(Date.parse(checkout.lastEventAt) > 0);
    });

    it('registers: 201 then 200, and the rollout answers pending', async () => {
      const spec = { id: 'prod/search', service: 'search', policy: 'strict', expectedInstances: { canary: 2, baseline: 2 }, targetVersion: 'v2', labels: { team: 'search' } };
      const created = await post('/api/v1/rollouts', spec);
      assert.equal(created.status, 201);
      assert.equal(created.headers.get('location'), '/api/v1/rollouts/prod%2Fsearch');
      const again = await post('/api/v1/rollouts', { ...spec, expectedInstances: 4 });
      assert.equal(again.status, 200);
      const one = (await (await get('/api/v1/rollouts/prod%2Fsearch')).json()) as { registered: boolean; spec: { expectedInstances: unknown }; labels: Record<string, string> };
      assert.equal(one.registered, true);
      assert.deepEqual(one.spec.expectedInstances, { total: 4 });
      assert.deepEqual(one.labels, { team: 'search' });
      const verdict = (await (await get('/api/v1/rollouts/prod%2Fsearch/verdict')).json()) as { decision: string; labels: Record<string, string> };
      assert.equal(verdict.decision, 'pending');
      assert.deepEqual(verdict.labels, { team: 'search' });
    });

    const badBodies: [string, unknown, string][] = [
      ['missing id', { service: 's' }, 'id'],
      ['empty id', { id: '' }, 'id'],
      ['id with whitespace', { id: 'a b' }, 'id'],
      ['unknown field', { id: 'a', polcy: 'x' }, 'polcy'],
      ['negative instance count', { id: 'a', expectedInstances: { canary: -1 } }, 'expectedInstances.canary'],
      ['non-string label', { id: 'a', labels: { team: 3 } }, 'labels.team'],
      ['unknown policy name', { id: 'a', policy: 'nope' }, 'policy'],
      ['inline policy with an unknown field', { id: 'a', policy: { maxCrashes: 3 } }, 'policy.maxCrashes'],
      ['inline policy with a bad value', { id: 'a', policy: { judge: { alpha: 2 } } }, 'policy.judge.alpha'],
      ['an array body', [1, 2], 'body'],
      ['malformed JSON', '{"id":', 'body'],
    ];
    for (const [name, body, field] of badBodies) {
      it(`400 naming "${field}" for ${name}`, async () => {
        const res = await post('/api/v1/rollouts', body);
        assert.equal(res.status, 400);
        const json = (await res.json()) as { field: string; error: string };
        assert.equal(json.field, field, json.error);
        assert.ok(json.error.length > 0);
      });
    }

    it('404 JSON for unknown rollouts on every per-rollout route but /verdict (pending for Argo)', async () => {
      for (const sub of ['', '/gate', '/series', '/hosts', '/templates', '/anomalies', '/verdicts']) {
        const res = await get(`/api/v1/rollouts/nope${sub}`);
        assert.equal(res.status, 404, sub);
        assert.equal(((await res.json()) as { rollout: string }).rollout, 'nope');
      }
      const unmatched = await get('/api/v1/nothing-here');
      assert.equal(unmatched.status, 404);
      assert.match(unmatched.headers.get('content-type') ?? '', /json/);
    });
  });

  describe('verdict and gate', () => {
    it('verdict is always 200 with the documented fields', async () => {
      const res = await get('/api/v1/rollouts/prod%2Fcheckout/verdict');
      assert.equal(res.status, 200);
      const body = (await res.json()) as Record<string, unknown>;
      for (const field of ['rollout', 'decision', 'score', 'reasons', 'evaluatedAt', 'noGoAt', 'cause', 'sequence']) assert.ok(field in body, field);
      assert.equal(body.decision, 'no-go');
      assert.equal(body.cause, 'release');
      assert.ok((body.sequence as number) >= 1);
    });

    it('gate fails safe: 409 no-go, 200 go, 425 Too Early with Retry-After while pending (never 2xx)', async () => {
      const noGo = await get('/api/v1/rollouts/prod%2Fcheckout/gate');
      assert.equal(noGo.status, 409);
      assert.equal(noGo.headers.get('retry-after'), null, 'a decision is final: no Retry-After');
      const go = await get('/api/v1/rollouts/prod%2Fcart/gate');
      assert.equal(go.status, 200);
      assert.equal(go.headers.get('retry-after'), null);
      await post('/api/v1/rollouts', { id: 'prod/new' });
      const pending = await get('/api/v1/rollouts/prod%2Fnew/gate');
      assert.equal(pending.status, 425);
      assert.equal(pending.ok, false, 'pending must not read as a pass (curl --fail, CI ifs)');
      assert.equal(pending.headers.get('retry-after'), String(GATE_RETRY_AFTER_SECONDS));
      assert.equal(((await pending.json()) as { decision: string }).decision, 'pending');
      const verdict = await get('/api/v1/rollouts/prod%2Fnew/verdict');
      assert.equal(verdict.status, 200, '/verdict stays 200 for Argo (the decision is in the body)');
      assert.equal(verdict.headers.get('retry-after'), null);
    });

    it('gate ?batch=N answers for one batch; bad batch values are 400', async () => {
      const res = await get('/api/v1/rollouts/prod%2Fcheckout/gate?batch=2');
      assert.equal(res.status, 409);
      const body = (await res.json()) as { batch: number; reasons: { batch?: number }[] };
      assert.equal(body.batch, 2);
      assert.equal(body.reasons[0]?.batch, 2);
      for (const bad of ['abc', '-1', '1.5']) {
        const r = await get(`/api/v1/rollouts/prod%2Fcheckout/gate?batch=${bad}`);
        assert.equal(r.status, 400, bad);
        assert.equal(((await r.json()) as { field: string }).field, 'batch');
      }
      const missing = await get('/api/v1/rollouts/prod%2Fcheckout/gate?batch=11');
      assert.equal(missing.status, 400, 'the engine rejects a batch that does not exist');
    });

    it('Argo Rollouts contract: jsonPath {$.decision} yields go / no-go / pending', async () => {
      // Argo's Web provider takes `{$.decision}`; the braces delimit the expression.
      const argoJsonPath = '{$.decision}'.replace(/^\{(.*)\}$/, '$1');
      const decisionOf = async (id: string) => JSONPath({ path: argoJsonPath, json: (await (await get(`/api/v1/rollouts/${encodeURIComponent(id)}/verdict`)).json()) as object, wrap: false }) as unknown;
      assert.equal(await decisionOf('prod/checkout'), 'no-go');
      assert.equal(await decisionOf('prod/cart'), 'go');
      await post('/api/v1/rollouts', { id: 'prod/argo-pending' });
      assert.equal(await decisionOf('prod/argo-pending'), 'pending');
    });
  });

  describe('data behind the verdict', () => {
    it('series, hosts with mixed-environment warnings, anomalies and verdict history', async () => {
      const series = (await (await get('/api/v1/rollouts/prod%2Fcheckout/series')).json()) as { series: { signal: string }[] };
      assert.equal(series.series[0]?.signal, 'crashes');
      const hosts = (await (await get('/api/v1/rollouts/prod%2Fcart/hosts')).json()) as { attributes: unknown[]; warnings: string[] };
      assert.equal(hosts.attributes.length, 2);
      assert.ok(hosts.warnings.some((w) => w.includes('kernel=6.8') && w.includes('only on canary')), hosts.warnings.join('\n'));
      const anomalies = (await (await get('/api/v1/rollouts/prod%2Fcheckout/anomalies')).json()) as { total: number; items: { signal: string; severity: string }[] };
      assert.equal(anomalies.total, 1);
      assert.equal(anomalies.items[0]!.severity, 'critical');
      const history = (await (await get('/api/v1/rollouts/prod%2Fcheckout/verdicts?size=1')).json()) as { total: number; size: number; items: { decision: string; sequence: number }[] };
      assert.equal(history.size, 1);
      assert.equal(history.items[0]!.decision, 'no-go');
      assert.equal(history.items[0]!.sequence, history.total);
    });

    it("templates answer the engine's rows with novelty and per-minute rates", async () => {
      const res = await get('/api/v1/rollouts/prod%2Fcart/templates');
      assert.equal(res.status, 200);
      const body = (await res.json()) as { templates: TemplateTableRow[] };
      assert.deepEqual(body.templates, [{ id: 'cart ready', template: 'cart ready', example: 'cart ready', canary: 1, baseline: 0, canaryInstances: 1, newInCanary: true, canaryPerMinute: 1, baselinePerMinute: 0 }]);
    });

    it('searches events with filters, full text and pagination', async () => {
      const all = (await (await get('/api/v1/events?rollout=prod%2Fcheckout&size=2')).json()) as { total: number; items: { time: string }[] };
      assert.equal(all.total, 6);
      assert.equal(all.items.length, 2);
      assert.ok(all.items[0]!.time >= all.items[1]!.time, 'newest first');
      const page2 = (await (await get('/api/v1/events?rollout=prod%2Fcheckout&size=2&from=4')).json()) as { items: unknown[] };
      assert.equal(page2.items.length, 2);
      const restarts = (await (await get('/api/v1/events?rollout=prod%2Fcheckout&type=container_restart&group=canary')).json()) as { total: number };
      assert.equal(restarts.total, 4);
      const text = (await (await get('/api/v1/events?q=ready')).json()) as { total: number };
      assert.equal(text.total, 1);
      const since = (await (await get(`/api/v1/events?rollout=prod%2Fcheckout&since=${Date.now() + 1000}`)).json()) as { total: number };
      assert.equal(since.total, 0);
      for (const [query, field] of [['group=canry', 'group'], ['type=boom', 'type'], ['size=5000', 'size'], ['from=-1', 'from'], ['from=9990&size=50', 'from'], ['since=yesterday', 'since'], ['since=99999999999999999999', 'since'], ['until=+275760-09-13T00:00:00Z', 'until'], ['rollout=a&rollout=b', 'rollout']]) {
        const res = await get(`/api/v1/events?${query}`);
        assert.equal(res.status, 400, query);
        assert.equal(((await res.json()) as { field: string }).field, field, query);
      }
    });
  });

  describe('SSE stream', () => {
    it('sends current verdicts, then changes; accepts ?access_token=', async () => {
      assert.equal((await fetch(`${h.url}/api/v1/stream`)).status, 401);
      const controller = new AbortController();
      const res = await fetch(`${h.url}/api/v1/stream?rollout=prod%2Fstream&access_token=${READ}`, { signal: controller.signal });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
      const reader = res.body!.getReader();
      let text = '';
      const read = async (until: (t: string) => boolean) => {
        while (!until(text)) {
          const { value, done } = await reader.read();
          if (done) break;
          text += new TextDecoder().decode(value);
        }
      };
      try {
        await read((t) => t.includes('retry:'));
        await publishEvents(h.bus, crashLoop('prod/stream'));
        await read((t) => t.includes('"decision":"no-go"'));
        const events = text.split('\n\n').filter((block) => block.includes('event: verdict'));
        assert.ok(events.length >= 1);
        assert.ok(events.every((e) => e.includes('"rollout":"prod/stream"')), 'filtered to the rollout asked for');
        assert.match(events[events.length - 1]!, /^id: prod\/stream:\d+$/m);
      } finally {
        controller.abort();
      }
    });
  });

  describe('Flagger webhooks', () => {
    const hook = (path: string, body: unknown, token = READ) => post(`/api/v1/flagger/${path}?access_token=${token}`, body, null);

    it('maps <namespace>/<name>, metadata.rollout and <name>; 200 go, 409 no-go, 425 pending', async () => {
      const noGo = await hook('gate', { name: 'checkout', namespace: 'prod', phase: 'Progressing' });
      assert.equal(noGo.status, 409);
      const body = (await noGo.json()) as { rollout: string; decision: string; flagger: { phase: string } };
      assert.equal(body.rollout, 'prod/checkout');
      assert.equal(body.flagger.phase, 'Progressing');
      assert.equal((await hook('rollout', { name: 'cart', namespace: 'prod' })).status, 200);
      assert.equal((await hook('confirm-promotion', { name: 'x', namespace: 'y', metadata: { rollout: 'prod/cart' } })).status, 200);
      await post('/api/v1/rollouts', { id: 'payments' });
      const pending = await hook('gate', { name: 'payments', namespace: 'default' });
      assert.equal(pending.status, 425, 'name-only mapping, pending');
      assert.equal(pending.headers.get('retry-after'), String(GATE_RETRY_AFTER_SECONDS));
    });

    it('rollback webhook answers 200 only on no-go', async () => {
      assert.equal((await hook('rollback', { name: 'checkout', namespace: 'prod' })).status, 200);
      assert.equal((await hook('rollback', { name: 'cart', namespace: 'prod' })).status, 412);
    });

    it('pending for a canary not seen yet, 400 naming the field, 401/403 without the token', async () => {
      const unknown = await hook('gate', { name: 'ghost', namespace: 'prod' });
      assert.equal(unknown.status, 425);
      assert.equal((await hook('rollback', { name: 'ghost', namespace: 'prod' })).status, 412, 'no rollback for a canary nobody has seen');
      assert.deepEqual(((await unknown.json()) as { candidates: string[] }).candidates, ['prod/ghost', 'ghost']);
      const bad = await hook('gate', { namespace: 'prod' });
      assert.equal(bad.status, 400);
      assert.equal(((await bad.json()) as { field: string }).field, 'name');
      assert.equal((await post('/api/v1/flagger/gate', { name: 'checkout', namespace: 'prod' }, null)).status, 401);
      assert.equal((await hook('gate', { name: 'checkout', namespace: 'prod' }, 'wrong')).status, 403);
      assert.equal((await post('/api/v1/flagger/gate', { name: 'checkout', namespace: 'prod' }, READ)).status, 409, 'bearer header works too');
    });
  });

  describe('browser hardening', () => {
    it('every response carries CSP with frame-ancestors none, nosniff, X-Frame-Options and Referrer-Policy', async () => {
      for (const path of ['/healthz', '/api/v1/rollouts', '/', '/no-such-file.js']) {
        const res = await get(path);
        await res.text();
        assert.match(res.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/, path);
        assert.match(res.headers.get('content-security-policy') ?? '', /script-src 'self'/, path);
        assert.equal(res.headers.get('x-content-type-options'), 'nosniff', path);
        assert.equal(res.headers.get('x-frame-options'), 'DENY', path);
        assert.equal(res.headers.get('referrer-policy'), 'no-referrer', path);
      }
    });

    it('source maps are never served', async () => {
      const res = await get('/assets/index.js.map');
      assert.equal(res.status, 404);
    });

    it('GET /api/v1/rollouts pages with from/size and keeps {total, items}', async () => {
      const all = (await (await get('/api/v1/rollouts')).json()) as { total: number; items: { rollout: string }[]; next?: string };
      assert.ok(all.total >= 2);
      assert.equal(all.items.length, all.total);
      assert.equal(all.next, undefined);
      const first = (await (await get('/api/v1/rollouts?size=1')).json()) as { total: number; items: { rollout: string }[]; next?: string };
      assert.equal(first.items.length, 1);
      assert.equal(first.next, '/api/v1/rollouts?from=1&size=1');
      const seen = [...first.items];
      for (let next: string | undefined = first.next; next; ) {
        const page = (await (await get(next)).json()) as { items: { rollout: string }[]; next?: string };
        seen.push(...page.items);
        next = page.next;
      }
      assert.deepEqual(seen.map((i) => i.rollout), all.items.map((i) => i.rollout), 'pages in the same order as the whole list');
      assert.equal((await get('/api/v1/rollouts?size=1001')).status, 400);
    });
  });
});
