import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../cli.js';
import { closedPort } from '../testing/ports.js';
import { captureIo, crashLoopEvents, goodRolloutLines, postEvents, startEmbedded, type Embedded } from '../testing/harness.js';
import { gateCommand } from './command.js';
import { followVerdict } from './follow.js';

// `rollwatch gate` against a real detector (embedded mode: the production services in one process).

let rw: Embedded;
let n = 0;
const unique = (name: string) => `${name}-${process.pid}-${++n}`;
const register = async (rollout: string) => {
  const res = await fetch(`${rw.detector}/api/v1/rollouts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: rollout }) });
  assert.equal(res.status, 201);
};

before(async () => {
  rw = await startEmbedded();
});
after(async () => {
  await rw?.close();
});

describe('rollwatch gate, answering once', () => {
  it('no-go: exit 1 with the reasons on stdout', async () => {
    const rollout = unique('gate-nogo');
    await postEvents(rw.ingest, crashLoopEvents(rollout));
    const cap = captureIo();
    // The decision may take a moment to be evaluated: --wait covers it, and is what CI would run.
    const code = await runCli(['gate', rollout, '--url', rw.detector, '--wait', '--timeout', '20s'], cap.io);
    assert.equal(code, 1, cap.stderr());
    assert.match(cap.stdout(), new RegExp(`^no-go: ${rollout} `));
    assert.match(cap.stdout(), /\n {2}- \[critical\] [a-z_]+: .*(OOM|oom|crash|restart)/);
  });

  it('pending (registered, no data) exits 3, never 0; --json prints the verdict', async () => {
    const rollout = unique('gate-pending');
    await register(rollout);
    const cap = captureIo();
    assert.equal(await runCli(['gate', rollout, '--url', rw.detector, '--json'], cap.io), 3);
    const verdict = JSON.parse(cap.stdout()) as { rollout: string; decision: string };
    assert.deepEqual([verdict.rollout, verdict.decision], [rollout, 'pending']);
    assert.match(cap.stderr(), /not decided yet/);
  });

  it('a rollout the detector has not seen is undecided (exit 3), not an error', async () => {
    const cap = captureIo();
    assert.equal(await runCli(['gate', unique('never-seen'), '--url', rw.detector], cap.io), 3);
    assert.match(cap.stdout(), /^pending: .*\n {2}- \[info\] rollout: the detector has not seen rollout/);
  });

  it('usage and connection errors exit 2 on stderr with nothing on stdout', async () => {
    const closed = await closedPort();
    const cases: [string[], RegExp][] = [
      [['gate'], /missing the rollout id/],
      [['gate', 'a', 'b'], /unexpected argument "b"/],
      [['gate', 'a', '--bogus'], /Unknown option '--bogus'/],
      [['gate', 'a', '--timeout', '5m'], /--timeout only applies with --wait/],
      [['gate', 'a', '--wait', '--timeout', 'soon'], /--timeout: expects a duration/],
      [['gate', 'a', '--url', 'ftp://x'], /--url: expects an http\(s\) URL/],
      [['gate', 'a', '--token-file', '/nonexistent/token'], /--token-file: cannot read \/nonexistent\/token: ENOENT/],
      [['gate', 'a', '--url', `http://127.0.0.1:${closed}`], new RegExp(`cannot reach the detector at http://127\\.0\\.0\\.1:${closed}: ECONNREFUSED`)],
      [['gate', 'a', '--url', rw.ingest], /answered 404 .*is --url the detector\?/],
    ];
    for (const [argv, message] of cases) {
      const cap = captureIo();
      assert.equal(await runCli(argv, cap.io), 2, argv.join(' '));
      assert.match(cap.stderr(), message, argv.join(' '));
      assert.equal(cap.stdout(), '', argv.join(' '));
    }
  });
});

describe('rollwatch gate --wait', () => {
  it('follows a pending rollout to go through the verdict stream (exit 0)', async () => {
    const rollout = unique('gate-go');
    const cap = captureIo();
    const exit = runCli(['gate', rollout, '--url', rw.detector, '--wait', '--timeout', '60s', '--poll', '60s'], cap.io);
    await cap.stderrMatches(/waiting up to 1m for a decision on .* \(not seen yet\)/);
    await postEvents(rw.ingest, goodRolloutLines(rollout));
    assert.equal(await exit, 0, cap.stderr());
    assert.match(cap.stdout(), new RegExp(`^go: ${rollout} \\(score \\d+`));
  });

  it('times out with exit 3 while the rollout stays pending', async () => {
    const rollout = unique('gate-timeout');
    await register(rollout);
    const cap = captureIo();
    const started = Date.now();
    assert.equal(await runCli(['gate', rollout, '--url', rw.detector, '--wait', '--timeout', '1500ms'], cap.io), 3);
    assert.ok(Date.now() - started >= 1400, 'waited for the timeout');
    assert.match(cap.stderr(), /no decision on .* after 1s500ms: still pending/);
    assert.match(cap.stdout(), /^pending: /);
  });

  it('on a terminal counts down while waiting and clears the line; piped or --json, no countdown', async () => {
    const rollout = unique('gate-tty');
    await register(rollout);
    const tty = captureIo();
    (tty.io.stderr as { isTTY?: boolean }).isTTY = true;
    assert.equal(await runCli(['gate', rollout, '--url', rw.detector, '--wait', '--timeout', '2500ms'], tty.io), 3);
    const clear = '\r\u001b[2K';
    assert.ok(tty.stderr().includes(`${clear}rollwatch gate: waiting for ${rollout}, 2s left`), JSON.stringify(tty.stderr()));
    assert.ok(tty.stderr().includes(`${clear}rollwatch gate: no decision on ${rollout}`), 'the countdown is cleared before the result');
    const piped = captureIo();
    assert.equal(await runCli(['gate', rollout, '--url', rw.detector, '--wait', '--timeout', '1500ms'], piped.io), 3);
    assert.doesNotMatch(piped.stderr(), /left/);
  });

  it('a decision published while waiting arrives by the stream, without polling', async () => {
    const rollout = unique('gate-stream');
    await register(rollout);
    let waiting!: () => void;
    const isWaiting = new Promise<void>((resolve) => (waiting = resolve));
    const outcome = followVerdict({ baseUrl: rw.detector, rollout, wait: true, timeoutMs: 30_000, pollMs: 60_000, onWaiting: () => waiting() });
    await isWaiting;
    await postEvents(rw.ingest, crashLoopEvents(rollout));
    const result = await outcome;
    assert.equal(result.kind, 'decided');
    assert.equal(result.kind === 'decided' && result.via, 'stream');
    assert.equal(result.verdict.decision, 'no-go');
  });

  it('falls back to polling /gate when the stream is unavailable', async () => {
    const rollout = unique('gate-poll');
    await register(rollout);
    const notices: string[] = [];
    const noStream: typeof fetch = (input, init) => (String(input).includes('/api/v1/stream') ? Promise.resolve(new Response('gone', { status: 404 })) : fetch(input, init));
    let waiting!: () => void;
    const isWaiting = new Promise<void>((resolve) => (waiting = resolve));
    const outcome = followVerdict({ baseUrl: rw.detector, rollout, wait: true, timeoutMs: 30_000, pollMs: 100, fetch: noStream, onWaiting: () => waiting(), onNotice: (m) => notices.push(m) });
    await isWaiting;
    await postEvents(rw.ingest, crashLoopEvents(rollout));
    const result = await outcome;
    assert.equal(result.kind === 'decided' && result.via, 'gate');
    assert.equal(result.verdict.decision, 'no-go');
    assert.match(notices.join('\n'), /verdict stream unavailable \(HTTP 404\); polling/);
  });
});

describe('rollwatch gate with a token', () => {
  let secured: Embedded;
  let dir: string;
  before(async () => {
    secured = await startEmbedded({ ROLLWATCH_API_TOKEN: 'write-token', ROLLWATCH_READ_TOKEN: 'read-token' });
    dir = mkdtempSync(path.join(tmpdir(), 'rollwatch-gate-token-'));
  });
  after(async () => {
    await secured?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads the bearer token from --token-file or ROLLWATCH_API_TOKEN; a refused token exits 2', async () => {
    const rollout = unique('gate-auth');
    const res = await fetch(`${secured.detector}/api/v1/rollouts`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer write-token' }, body: JSON.stringify({ id: rollout }) });
    assert.equal(res.status, 201);
    const file = path.join(dir, 'token');
    writeFileSync(file, 'read-token\n');
    const viaFile = captureIo();
    assert.equal(await gateCommand([rollout, '--url', secured.detector, '--token-file', file], viaFile.io, {}), 3, viaFile.stderr());
    const viaEnv = captureIo();
    assert.equal(await gateCommand([rollout, '--url', secured.detector], viaEnv.io, { ROLLWATCH_API_TOKEN: 'read-token' }), 3, viaEnv.stderr());
    const wrong = captureIo();
    assert.equal(await gateCommand([rollout, '--url', secured.detector], wrong.io, { ROLLWATCH_API_TOKEN: 'nope' }), 2);
    assert.match(wrong.stderr(), /refused the token \(HTTP 403/);
    const none = captureIo();
    assert.equal(await gateCommand([rollout, '--url', secured.detector], none.io, {}), 2);
    assert.match(none.stderr(), /refused the token \(HTTP 401/);
  });
});
