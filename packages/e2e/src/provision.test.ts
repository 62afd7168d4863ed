// scripts/provision.mjs, which the root `npm test` runs before anything else: when it cannot provide
// what the tests need it must stop at once with ONE line naming the command to run, and exit non-zero.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCollecting, type ProcessRun } from '@rollwatch/testkit';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from './labelled-fixtures.js';

const SCRIPT = path.join('scripts', 'provision.mjs');
const isRoot = process.getuid?.() === 0;

/** Runs the script; as root, drops to `nobody` with runuser when `asUser` is set (the not-root path). */
function provision(args: string[], env: NodeJS.ProcessEnv, asUser = false): Promise<ProcessRun> {
  const [cmd, argv] = asUser && isRoot ? ['runuser', ['-u', 'nobody', '--', process.execPath, SCRIPT, ...args]] : [process.execPath, [SCRIPT, ...args]];
  return runCollecting(cmd as string, argv as string[], { cwd: REPO_ROOT, env: { ...process.env, ...env } });
}

const lines = (text: string): string[] => text.split('\n').filter(Boolean);

test('not root and a Debian package missing: one line naming the package and `sudo … scripts/provision.mjs`, exit 1', async () => {
  const run = await provision([], { ROLLWATCH_PROVISION_PACKAGES: 'coreutils rollwatch-no-such-package-x1' }, true);
  assert.equal(run.code, 1, run.stderr);
  assert.equal(run.stdout, '');
  assert.deepEqual(lines(run.stderr), [`provision: missing Debian packages: rollwatch-no-such-package-x1; run: sudo ${process.execPath} scripts/provision.mjs`]);
});

test('no JDK 21+ for Elasticsearch: one line saying what to install, exit 1 (--check never installs)', async () => {
  const run = await provision(['--check'], { ROLLWATCH_PROVISION_PACKAGES: '', ROLLWATCH_PROVISION_JVM_DIR: path.join(REPO_ROOT, 'no-such-jvm-dir'), ES_JAVA_HOME: '', ELASTICSEARCH_URL: '' });
  assert.equal(run.code, 1, run.stderr);
  const [only, ...rest] = lines(run.stderr);
  assert.deepEqual(rest, []);
  assert.match(only!, /^provision: Elasticsearch needs a JDK 21\+ .*no-such-jvm-dir.*; run: .*ES_JAVA_HOME/);
});

/** A directory that looks like a JDK 21 home to the provisioning check. */
function fakeJdk(dir: string): string {
  const jdk = path.join(dir, 'jdk');
  mkdirSync(path.join(jdk, 'bin'), { recursive: true });
  writeFileSync(path.join(jdk, 'bin', 'java'), '');
  writeFileSync(path.join(jdk, 'release'), 'JAVA_VERSION="21.0.5"\n');
  return jdk;
}

test('Kafka and Elasticsearch not in the download cache: --check names the command that fetches them', async () => {
  const cache = mkdtempSync(path.join(tmpdir(), 'rollwatch-provision-cache-'));
  try {
    const run = await provision(['--check'], { ROLLWATCH_PROVISION_PACKAGES: '', ROLLWATCH_CACHE_DIR: cache, ES_JAVA_HOME: fakeJdk(cache), ROLLWATCH_ES_USER: 'root', KAFKA_BROKERS: '', ELASTICSEARCH_URL: '' });
    assert.equal(run.code, 1, run.stderr);
    assert.deepEqual(lines(run.stderr), [`provision: Kafka and Elasticsearch not downloaded yet; run: ${process.execPath} scripts/provision.mjs`]);
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
});

test('the Elasticsearch user: as root a missing one is one line (--check); not as root it is not needed', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rollwatch-provision-user-'));
  try {
    const run = await provision(['--check'], { ROLLWATCH_PROVISION_PACKAGES: '', ROLLWATCH_ES_USER: 'rollwatch-no-such-user', ES_JAVA_HOME: fakeJdk(dir), KAFKA_BROKERS: '127.0.0.1:1', ELASTICSEARCH_URL: '' });
    if (isRoot) {
      assert.equal(run.code, 1, run.stderr);
      assert.deepEqual(lines(run.stderr), [`provision: the system user "rollwatch-no-such-user" (Elasticsearch refuses to run as root) is missing; run: ${process.execPath} scripts/provision.mjs`]);
    } else {
      assert.doesNotMatch(run.stderr, /system user/);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('external Kafka and Elasticsearch and no packages wanted: nothing to do, exit 0', async () => {
  const run = await provision(['--check'], { ROLLWATCH_PROVISION_PACKAGES: '', KAFKA_BROKERS: '127.0.0.1:1', ELASTICSEARCH_URL: 'http://127.0.0.1:1' });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /^\[provision\] ready in \d+\.\d s\n$/);
});

test('an unknown option is a usage error (exit 2)', async () => {
  const run = await provision(['--frobnicate'], {});
  assert.equal(run.code, 2);
  assert.match(run.stderr, /unknown option/);
});

test('`npm test` provisions before it builds and tests; `.ci/run` calls `npm test`; `test:unit` does not provision', () => {
  const scripts = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  assert.match(scripts.test!, /^node scripts\/provision\.mjs && /);
  assert.match(scripts.test!, /node scripts\/run-tests\.mjs$/);
  assert.doesNotMatch(scripts['test:unit']!, /provision/);
  assert.match(scripts['test:unit']!, /run-tests\.mjs --unit$/);
  assert.match(readFileSync(path.join(REPO_ROOT, '.ci', 'run'), 'utf8'), /^npm test$/m);
});
