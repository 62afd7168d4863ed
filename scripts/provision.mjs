#!/usr/bin/env node
// Provision this machine for the full test suite; the root `npm test` runs it first, `.ci/run` too.
//
//   node scripts/provision.mjs [--check]
//
// What the tests need beyond `npm ci`:
//   1. Debian packages for the real test servers and tools: Podman (runc, busybox-static), Prometheus
//      (promtool), Alertmanager, Chromium (dashboard tests), docker-compose (compose config check),
//      Maven + a JRE (the test kit fetches Kafka/Elasticsearch through Maven), unzip, flock;
//   2. a JDK 21+ for Elasticsearch (ES_JAVA_HOME or /usr/lib/jvm), and as root the `rollwatch` system
//      user Elasticsearch runs as (it refuses to run as root);
//   3. the test kit's Maven Central downloads (Kafka, Elasticsearch) in ~/.cache/rollwatch.
// Idempotent and fast (well under 2 s) when everything is there. When something is missing it installs
// it if it can (root for apt/useradd, network for downloads); when it cannot, or with --check, it stops
// at once with ONE line on stderr naming the command to run, and exits 1: a suite is never skipped.
//
// Overrides (for tests and unusual machines): ROLLWATCH_PROVISION_PACKAGES (space/comma separated list
// replacing the Debian package list), ROLLWATCH_PROVISION_JVM_DIR (instead of /usr/lib/jvm).
// KAFKA_BROKERS / ELASTICSEARCH_URL set = external servers: no JDK, user or download is needed for them.
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const t0 = Date.now();
const args = process.argv.slice(2);
const checkOnly = args.includes('--check');
const unknown = args.filter((a) => a !== '--check');
if (unknown.length) {
  process.stderr.write(`provision: unknown option(s) ${unknown.join(' ')} (known: --check)\n`);
  process.exit(2);
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const RUN_AS_ROOT = `sudo ${process.execPath} scripts/provision.mjs`;
const APT_LOG = path.join(os.tmpdir(), 'rollwatch-provision-apt.log');
const log = (msg) => process.stderr.write(`[provision] ${msg}\n`);
/** The one line that ends a run that cannot continue. */
function stop(problem, command) {
  process.stderr.write(`provision: ${problem}; run: ${command}\n`);
  process.exit(1);
}
const have = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
// The README's order is `npm ci` first; say so rather than fail later in the build.
if (!existsSync(path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'))) stop('node_modules is missing or incomplete', 'npm ci');
const needKafka = !process.env.KAFKA_BROKERS;
const needEs = !process.env.ELASTICSEARCH_URL;

// ---- 1. Debian packages ---------------------------------------------------------------------------
function wantedPackages() {
  const override = process.env.ROLLWATCH_PROVISION_PACKAGES;
  if (override !== undefined) return override.split(/[\s,]+/).filter(Boolean);
  const pkgs = ['podman', 'runc', 'busybox-static', 'prometheus', 'prometheus-alertmanager', 'chromium', 'docker-compose'];
  if (needKafka || needEs) {
    pkgs.push('maven', 'unzip', 'util-linux');
    if (!have('java')) pkgs.push('openjdk-17-jre-headless');
  }
  return pkgs;
}

/** Packages dpkg does not report as installed (one dpkg-query call for all of them). */
function missingPackages(pkgs) {
  if (!pkgs.length) return [];
  const r = spawnSync('dpkg-query', ['-W', '-f=${Package} ${Status}\\n', ...pkgs], { encoding: 'utf8' });
  if (r.error) stop(`dpkg-query not found: this script provisions Debian/Ubuntu machines; install the equivalents of ${pkgs.join(' ')} by hand`, 'npm test');
  const installed = new Set(r.stdout.split('\n').filter((l) => / install ok installed$/.test(l)).map((l) => l.split(' ')[0].split(':')[0]));
  return pkgs.filter((p) => !installed.has(p));
}

function aptInstall(pkgs, why) {
  if (checkOnly || !isRoot) stop(`${why}: ${pkgs.join(' ')}`, checkOnly ? `${process.execPath} scripts/provision.mjs` : RUN_AS_ROOT);
  log(`apt-get install ${pkgs.join(' ')} (output in ${APT_LOG})`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = (args) => {
    const r = spawnSync('apt-get', args, { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    appendFileSync(APT_LOG, `$ apt-get ${args.join(' ')}\n${r.stdout ?? ''}${r.stderr ?? ''}`);
    return r;
  };
  // apt-get update exits 0 even when every source failed; its "W: Failed to fetch" says offline.
  const update = apt(['update', '-q']);
  const offline = update.status !== 0 || /^(W|E): (Failed to fetch|Some index files failed)/m.test(update.stderr ?? '');
  // --no-install-recommends keeps it small; podman's networking comes via its Depends.
  if (apt(['install', '-y', '-q', '--no-install-recommends', ...pkgs]).status !== 0) {
    stop(`apt-get install ${pkgs.join(' ')} failed${offline ? ' (no network: apt-get update could not fetch)' : ''}, see ${APT_LOG}`, offline ? `${RUN_AS_ROOT} once the machine is online` : `apt-get install ${pkgs.join(' ')} (as root) to see why`);
  }
}

const missing = missingPackages(wantedPackages());
if (missing.length) aptInstall(missing, 'missing Debian packages');

// ---- 2. JDK 21+ and the Elasticsearch user ----------------------------------------------------------
/** Major versions of the JDKs under the JVM dir (and ES_JAVA_HOME), newest first. */
function jdks() {
  const homes = [];
  if (process.env.ES_JAVA_HOME) homes.push(process.env.ES_JAVA_HOME);
  const dir = process.env.ROLLWATCH_PROVISION_JVM_DIR ?? '/usr/lib/jvm';
  if (existsSync(dir)) for (const d of readdirSync(dir)) homes.push(path.join(dir, d));
  const found = [];
  for (const home of homes) {
    const release = path.join(home, 'release');
    if (!existsSync(release) || !existsSync(path.join(home, 'bin', 'java'))) continue;
    const m = /JAVA_VERSION="(\d+)/.exec(readFileSync(release, 'utf8'));
    if (m) found.push({ home, major: Number(m[1]) });
  }
  return found.sort((a, b) => b.major - a.major);
}

if (needEs) {
  if (!jdks().some((j) => j.major >= 21)) {
    // Debian 13 ships openjdk-21; Debian 12 has none in main (use Temurin from adoptium.net).
    const candidate = spawnSync('apt-cache', ['policy', 'openjdk-21-jdk-headless'], { encoding: 'utf8' });
    if (!checkOnly && isRoot && /Candidate: (?!\(none\))/.test(candidate.stdout ?? '')) aptInstall(['openjdk-21-jdk-headless'], 'no JDK 21+ for Elasticsearch');
    if (!jdks().some((j) => j.major >= 21)) {
      stop(`Elasticsearch needs a JDK 21+ and none is under ${process.env.ROLLWATCH_PROVISION_JVM_DIR ?? '/usr/lib/jvm'} or in ES_JAVA_HOME`, 'install Temurin 21+ (https://adoptium.net) under /usr/lib/jvm or export ES_JAVA_HOME=<jdk>');
    }
  }
  const esUser = process.env.ROLLWATCH_ES_USER ?? 'rollwatch';
  if (isRoot && spawnSync('id', ['-u', esUser], { stdio: 'ignore' }).status !== 0) {
    if (checkOnly) stop(`the system user "${esUser}" (Elasticsearch refuses to run as root) is missing`, `${process.execPath} scripts/provision.mjs`);
    log(`useradd --system ${esUser} (Elasticsearch refuses to run as root)`);
    const r = spawnSync('useradd', ['--system', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', esUser], { stdio: 'inherit' });
    if (r.status !== 0) stop(`useradd ${esUser} failed`, `useradd --system ${esUser}`);
  }
}

// ---- 3. Kafka and Elasticsearch from Maven Central ---------------------------------------------------
if (needKafka || needEs) {
  const testkit = path.join(ROOT, 'packages', 'testkit', 'dist', 'index.js');
  if (!existsSync(testkit)) {
    const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    log('building the test kit (first run)');
    if (spawnSync(process.execPath, [tsc, '-b', 'packages/testkit'], { cwd: ROOT, stdio: 'inherit' }).status !== 0) stop('building packages/testkit failed', 'npx tsc -b packages/testkit');
  }
  const tk = await import(pathToFileURL(testkit).href);
  const marker = (dir) => existsSync(path.join(tk.cacheDir(), dir, '.rollwatch-complete'));
  const toFetch = [needKafka && !marker(`kafka-${tk.KAFKA_VERSION}`) && 'Kafka', needEs && !marker(`elasticsearch-${tk.ES_VERSION}`) && 'Elasticsearch'].filter(Boolean);
  if (toFetch.length) {
    if (checkOnly) stop(`${toFetch.join(' and ')} not downloaded yet`, `${process.execPath} scripts/provision.mjs`);
    log(`downloading ${toFetch.join(' and ')} from Maven Central into ${tk.cacheDir()}`);
    try {
      await Promise.all([needKafka ? tk.fetchKafka() : undefined, needEs ? tk.fetchElasticsearch() : undefined]);
    } catch (error) {
      const first = String(error?.message ?? error).split('\n').find((l) => l.trim()) ?? 'unknown error';
      stop(`downloading ${toFetch.join(' and ')} from Maven Central failed (no network?): ${first.slice(0, 200)}`, `${process.execPath} scripts/provision.mjs once online (or set KAFKA_BROKERS and ELASTICSEARCH_URL)`);
    }
  }
}

log(`ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
