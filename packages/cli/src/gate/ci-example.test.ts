// docs/examples/rollwatch-gate.sh, the plain-shell CI example, run as a CI job would run it: a real
// bash, the real `rollwatch` binary, a real detector (embedded mode, started in this process).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { runCollecting, type ProcessRun } from '@rollwatch/testkit';
import path from 'node:path';
import { CLI_BIN, crashLoopEvents, goodRolloutLines, postEvents, REPO_ROOT, startEmbedded, type Embedded } from '../testing/harness.js';

const SCRIPT = path.join(REPO_ROOT, 'docs', 'examples', 'rollwatch-gate.sh');

let rw: Embedded;
before(async () => {
  rw = await startEmbedded();
});
after(async () => {
  await rw?.close();
});

interface ScriptRun {
  /** Resolves when the gate has asked once and is waiting for a decision. */
  waiting: Promise<void>;
  done: Promise<ProcessRun>;
}

function runScript(rollout: string, timeout: string): ScriptRun {
  let markWaiting!: () => void;
  const waiting = new Promise<void>((resolve) => (markWaiting = resolve));
  const done = runCollecting('bash', [SCRIPT], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ROLLOUT: rollout, GATE_TIMEOUT: timeout, ROLLWATCH_DETECTOR_URL: rw.detector, ROLLWATCH: `${process.execPath} ${CLI_BIN}` },
    onStderr: (stderr) => {
      if (/waiting up to/.test(stderr)) markWaiting();
    },
  });
  return { waiting, done };
}

test('go: the script waits for the verdict, then exits 0 and says promote', async () => {
  const rollout = `ci-go-${process.pid}`;
  const run = runScript(rollout, '60s');
  await run.waiting;
  await postEvents(rw.ingest, goodRolloutLines(rollout));
  const { code, stdout, stderr } = await run.done;
  assert.equal(code, 0, stderr);
  assert.match(stdout, new RegExp(`^go: ${rollout} \\(score \\d+`));
  assert.match(stdout, /rollwatch-gate: GO for .*: promote\n$/);
});

test('no-go: the script exits 1 with the reasons', async () => {
  const rollout = `ci-nogo-${process.pid}`;
  const run = runScript(rollout, '60s');
  await run.waiting;
  await postEvents(rw.ingest, crashLoopEvents(rollout));
  const { code, stdout, stderr } = await run.done;
  assert.equal(code, 1, stderr);
  assert.match(stdout, new RegExp(`^no-go: ${rollout} `));
  assert.match(stdout, /- \[critical\] /);
  assert.match(stderr, /rollwatch-gate: NO-GO for .*: stop the rollout/);
});

test('timeout: a rollout that stays pending makes the script exit 3 after GATE_TIMEOUT', async () => {
  const rollout = `ci-pending-${process.pid}`;
  const res = await fetch(`${rw.detector}/api/v1/rollouts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: rollout }) });
  assert.equal(res.status, 201);
  const run = runScript(rollout, '2s');
  const { code, stdout, stderr, ms } = await run.done;
  assert.equal(code, 3, stderr);
  assert.ok(ms >= 2000, `exited after ${ms} ms`);
  assert.match(stdout, /^pending: /);
  assert.match(stderr, /no decision for .* within 2s: failing safe/);
});
