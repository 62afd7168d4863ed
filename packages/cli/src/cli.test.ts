import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { runCollecting, type ProcessRun } from '@rollwatch/testkit';
import { runCli } from './cli.js';
import { CLI_BIN, REPO_ROOT, captureIo } from './testing/harness.js';

// The conventions every `rollwatch` command follows (issue 14): --help/-h prints the command's usage
// and exits 0 without starting anything, --version prints the version, an unknown flag is a usage
// error (exit 2, stderr), and `start` with a port taken exits 1 naming the port and its variable.

const COMMANDS = ['start', 'stack', 'gate', 'push', 'analyze', 'templates', 'demo', 'bench', 'docs-config', 'dlq'];
const VERSION = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

describe('CLI conventions, every command', () => {
  for (const command of COMMANDS) {
    for (const flag of ['--help', '-h']) {
      it(`${command} ${flag}: its usage on stdout, exit 0, nothing started`, async () => {
        const cap = captureIo();
        // A command that started services would wait for a signal here, and the test would time out.
        assert.equal(await runCli([command, flag], cap.io), 0, cap.stderr());
        assert.match(cap.stdout(), new RegExp(`rollwatch ${command}`, 'i'));
        assert.equal(cap.stderr(), '');
      });
    }

    it(`${command} --version prints ${VERSION}`, async () => {
      const cap = captureIo();
      assert.equal(await runCli([command, '--version'], cap.io), 0);
      assert.equal(cap.stdout(), `${VERSION}\n`);
    });

    it(`${command} --no-such-flag: usage error on stderr, exit 2, nothing on stdout`, async () => {
      const cap = captureIo();
      const argv = command === 'dlq' ? ['dlq', 'replay', '--no-such-flag'] : [command, '--no-such-flag'];
      assert.equal(await runCli(argv, cap.io), 2, cap.stderr());
      assert.match(cap.stderr(), /no-such-flag/);
      assert.equal(cap.stdout(), '');
    });
  }

  it('rollwatch --version and -V print the version; help <command> prints its usage', async () => {
    for (const argv of [['--version'], ['-V']]) {
      const cap = captureIo();
      assert.equal(await runCli(argv, cap.io), 0);
      assert.equal(cap.stdout(), `${VERSION}\n`);
    }
    const cap = captureIo();
    assert.equal(await runCli(['help', 'gate'], cap.io), 0);
    assert.match(cap.stdout(), /^usage: rollwatch gate <rollout>/);
  });

  it('no command is a usage error (exit 2, usage on stderr); an unknown option names itself', async () => {
    const none = captureIo();
    assert.equal(await runCli([], none.io), 2);
    assert.match(none.stderr(), /Usage:/);
    assert.equal(none.stdout(), '');
    const unknown = captureIo();
    assert.equal(await runCli(['--frobnicate'], unknown.io), 2);
    assert.match(unknown.stderr(), /unknown option "--frobnicate"/);
  });

  it('stack and start validate their arguments before starting anything', async () => {
    const cases: [string[], RegExp][] = [
      [['stack', 'now'], /unexpected argument "now"/],
      [['stack', '--services', 'x'], /Unknown option '--services'/],
      [['start', 'extra'], /unexpected argument "extra"/],
      [['start', '--services', 'ingest,nope'], /--services: unknown service\(s\) nope/],
      [['start', '--services'], /--services/],
      [['docs-config', 'a', 'b'], /unexpected argument "b"/],
      [['dlq', 'flush'], /unknown subcommand "flush"/],
      [['dlq', 'replay', '--limit', 'ten'], /--limit: expects an integer/],
    ];
    for (const [argv, message] of cases) {
      const cap = captureIo();
      assert.equal(await runCli(argv, cap.io), 2, argv.join(' '));
      assert.match(cap.stderr(), message, argv.join(' '));
    }
  });
});

function listenOn(port = 0): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

function runBin(args: string[], env: NodeJS.ProcessEnv): Promise<ProcessRun> {
  // A start that failed but kept running would never close: the test's own timeout catches it.
  return runCollecting(process.execPath, [CLI_BIN, ...args], { cwd: REPO_ROOT, env: { ...process.env, LOG_LEVEL: 'silent', ...env } });
}

describe('rollwatch start with a port taken', () => {
  for (const [service, variable] of [
    ['detector', 'DETECTOR_PORT'],
    ['ingest', 'INGEST_PORT'],
  ] as const) {
    it(`${service}: exits 1 (the process ends) with a message naming the port and ${variable}`, { timeout: 60_000 }, async () => {
      const blocker = await listenOn();
      const port = (blocker.address() as { port: number }).port;
      const spool = mkdtempSync(path.join(tmpdir(), 'rollwatch-start-test-'));
      try {
        const env = { INGEST_PORT: '0', DETECTOR_PORT: '0', ALERTS_PORT: '0', INGEST_SPOOL_DIR: spool, [variable]: String(port) };
        const run = await runBin(['start'], env);
        assert.equal(run.code, 1, run.stderr);
        assert.match(run.stderr, new RegExp(`rollwatch start: port ${port} \\(${service}\\) is already in use on 127\\.0\\.0\\.1; .*set ${variable} to another port`));
        assert.equal(run.stdout, '');
      } finally {
        blocker.close();
        rmSync(spool, { recursive: true, force: true });
      }
    });
  }
});
