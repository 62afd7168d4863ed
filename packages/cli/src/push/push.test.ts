import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../cli.js';
import { captureIo, startEmbedded, type Embedded } from '../testing/harness.js';
import { closedPort } from '../testing/ports.js';
import { pushCommand, type PushSummary } from './command.js';
import { retryAfterMs, sendBatch } from './send.js';

// `rollwatch push` against a real ingest (embedded mode), and the retry rules against a stub server.

let dir: string;
let n = 0;
const event = (rollout: string, i: number, extra: Record<string, unknown> = {}) => JSON.stringify({ time: new Date(Date.now() - 60_000 + i).toISOString(), rollout, group: i % 2 ? 'canary' : 'baseline', type: 'container_start', instance: `pod-${i}`, ...extra });
const file = (name: string, lines: string[]) => {
  const p = path.join(dir, name);
  writeFileSync(p, `${lines.join('\n')}\n`);
  return p;
};

before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'rollwatch-push-test-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

async function rolloutEvents(detector: string, rollout: string): Promise<number | undefined> {
  const res = await fetch(`${detector}/api/v1/rollouts/${encodeURIComponent(rollout)}`);
  return res.status === 200 ? ((await res.json()) as { events: number }).events : undefined;
}

async function eventually<T>(fn: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('rollwatch push against a real ingest', () => {
  let rw: Embedded;
  before(async () => {
    rw = await startEmbedded();
  });
  after(async () => rw?.close());

  it('sends every line in batches; exit 0; the detector sees the events', async () => {
    const rollout = `push-ok-${++n}`;
    const input = file('ok.ndjson', Array.from({ length: 25 }, (_, i) => event(rollout, i)));
    const cap = captureIo();
    assert.equal(await runCli(['push', input, '--url', rw.ingest, '--batch', '10', '--json'], cap.io), 0, cap.stderr());
    const summary = JSON.parse(cap.stdout()) as PushSummary;
    assert.deepEqual({ ...summary, rejections: summary.rejections.length }, { lines: 25, accepted: 25, rejected: 0, batches: 3, retries: 0, rejections: 0 });
    assert.equal(await eventually(async () => ((await rolloutEvents(rw.detector, rollout)) === 25 ? 25 : undefined)), 25);
  });

  it('reads stdin with "-"; the text summary goes to stderr and stdout stays empty', async () => {
    const rollout = `push-stdin-${++n}`;
    const cap = captureIo(`${[0, 1, 2].map((i) => event(rollout, i)).join('\n')}\n`);
    assert.equal(await runCli(['push', '-', '--url', rw.ingest], cap.io), 0, cap.stderr());
    assert.equal(cap.stdout(), '');
    assert.match(cap.stderr(), /^rollwatch push: 3 accepted, 0 rejected \(3 line\(s\) in 1 request\(s\)\)\n$/);
  });

  it('rejects invalid events with their line and field, still sends the valid ones of the batch, exits 1', async () => {
    const rollout = `push-bad-${++n}`;
    const lines = [event(rollout, 0), event(rollout, 1, { group: 'blue' }), '{"time": broken', event(rollout, 3), event(rollout, 4, { type: 'no_such_type' }), event(rollout, 5)];
    const input = file('bad.ndjson', lines);
    const cap = captureIo();
    assert.equal(await runCli(['push', input, '--url', rw.ingest, '--batch', '3'], cap.io), 1);
    assert.match(cap.stderr(), /3 accepted, 3 rejected/);
    assert.match(cap.stderr(), new RegExp(`${input.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2: group: `));
    assert.match(cap.stderr(), /:3: body: not JSON/);
    assert.match(cap.stderr(), /:5: type: /);
    const json = captureIo();
    assert.equal(await pushCommand([input, '--url', rw.ingest, '--batch', '3', '--json'], json.io, {}), 1);
    const summary = JSON.parse(json.stdout()) as PushSummary;
    assert.deepEqual(summary.rejections.map((r) => [r.line, r.field]), [[2, 'group'], [3, 'body'], [5, 'type']]);
    assert.equal(summary.accepted, 3);
  });

  it('on a terminal shows a running count on stderr (cleared before the summary); never with --json', async () => {
    const rollout = `push-tty-${++n}`;
    const input = file('tty.ndjson', Array.from({ length: 6 }, (_, i) => event(rollout, i)));
    const tty = captureIo();
    (tty.io.stderr as { isTTY?: boolean }).isTTY = true;
    assert.equal(await runCli(['push', input, '--url', rw.ingest, '--batch', '2'], tty.io), 0, tty.stderr());
    const clear = '\r\u001b[2K';
    assert.ok(tty.stderr().includes(`${clear}rollwatch push: 6 line(s) read, 6 accepted (`), JSON.stringify(tty.stderr()));
    assert.ok(tty.stderr().endsWith(`${clear}rollwatch push: 6 accepted, 0 rejected (6 line(s) in 3 request(s))\n`), JSON.stringify(tty.stderr()));
    const json = captureIo();
    (json.io.stderr as { isTTY?: boolean }).isTTY = true;
    assert.equal(await runCli(['push', input, '--url', rw.ingest, '--json'], json.io), 0);
    assert.equal(json.stderr(), '');
  });

  it('usage and connection problems exit 2', async () => {
    const closed = await closedPort();
    const cases: [string[], RegExp][] = [
      [['push'], /missing input file/],
      [['push', path.join(dir, 'missing.ndjson'), '--url', rw.ingest], /cannot read .*missing\.ndjson: ENOENT/],
      [['push', file('one.ndjson', [event('x', 0)]), '--url', `http://127.0.0.1:${closed}`], /cannot reach ingest .*ECONNREFUSED/],
      [['push', file('one.ndjson', [event('x', 0)]), '--url', rw.detector], /answered 404: is --url the ingest\?/],
      [['push', 'f', '--batch', 'many'], /--batch: expects an integer/],
    ];
    for (const [argv, message] of cases) {
      const cap = captureIo();
      assert.equal(await runCli(argv, cap.io), 2, `${argv.join(' ')}: ${cap.stderr()}`);
      assert.match(cap.stderr(), message, argv.join(' '));
    }
  });
});

describe('rollwatch push against an ingest that limits it', () => {
  let limited: Embedded;
  before(async () => {
    // Three requests per second per client, and bodies up to 2 KB.
    limited = await startEmbedded({ INGEST_RATE_LIMIT: '3', INGEST_RATE_WINDOW_MS: '1000', INGEST_BODY_LIMIT: '2048', ROLLWATCH_API_TOKEN: 'push-token' });
  });
  after(async () => limited?.close());

  it('waits out 429 (Retry-After) and splits bodies the ingest finds too large (413): everything arrives', async () => {
    const rollout = `push-limited-${++n}`;
    const input = file('limited.ndjson', Array.from({ length: 40 }, (_, i) => event(rollout, i)));
    const tokenFile = file('token', ['push-token']);
    const cap = captureIo();
    assert.equal(await pushCommand([input, '--url', limited.ingest, '--batch', '20', '--token-file', tokenFile, '--json'], cap.io, {}), 0, cap.stderr());
    const summary = JSON.parse(cap.stdout()) as PushSummary;
    assert.equal(summary.accepted, 40);
    assert.equal(summary.rejected, 0);
    assert.ok(summary.retries > 0, `expected 429 retries, got ${JSON.stringify(summary)}`);
    assert.match(cap.stderr(), /ingest answered HTTP 429; retrying in \d/);
    assert.match(cap.stderr(), /a request of 20 events is larger than the ingest accepts \(413\); sending it in halves/);
    const refused = captureIo();
    assert.equal(await pushCommand([input, '--url', limited.ingest], refused.io, { ROLLWATCH_API_TOKEN: 'wrong' }), 2);
    assert.match(refused.stderr(), /refused the token \(HTTP 403/);
  });
});

describe('sendBatch retry rules', () => {
  let server: Server;
  let url: string;
  let answers: { status: number; headers?: Record<string, string>; body?: unknown }[] = [];
  let seen = 0;
  before(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        seen++;
        const a = answers.shift() ?? { status: 202, body: { accepted: 1 } };
        res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers }).end(JSON.stringify(a.body ?? {}));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(() => server?.close());

  it('retries 503 after its Retry-After and gives up after maxAttempts', async () => {
    answers = [{ status: 503, headers: { 'retry-after': '0' } }, { status: 503, headers: { 'retry-after': '0' } }, { status: 202, body: { accepted: 1 } }];
    seen = 0;
    const waits: number[] = [];
    const ok = await sendBatch({ url, onRetry: (_m, w) => waits.push(w) }, [{ line: 1, text: '{}' }]);
    assert.deepEqual([ok.accepted, ok.retries, seen, waits], [1, 2, 3, [0, 0]]);
    answers = Array.from({ length: 3 }, () => ({ status: 503, headers: { 'retry-after': '0' } }));
    await assert.rejects(sendBatch({ url, maxAttempts: 3 }, [{ line: 1, text: '{}' }]), /ingest answered HTTP 503; gave up after 3 attempts/);
  });

  it('without Retry-After backs off exponentially', async () => {
    answers = [{ status: 429 }, { status: 429 }, { status: 202, body: { accepted: 1 } }];
    const waits: number[] = [];
    await sendBatch({ url, backoffMs: 20, onRetry: (_m, w) => waits.push(w) }, [{ line: 1, text: '{}' }]);
    assert.equal(waits.length, 2);
    assert.ok(waits[0]! >= 20 && waits[0]! < 26 && waits[1]! >= 40 && waits[1]! < 51, JSON.stringify(waits));
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    assert.equal(retryAfterMs('3'), 3000);
    assert.equal(retryAfterMs(new Date(10_000).toUTCString(), 4_000), 6000);
    assert.equal(retryAfterMs(null), undefined);
    assert.equal(retryAfterMs('soon'), undefined);
  });
});
