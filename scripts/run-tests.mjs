#!/usr/bin/env node
// The one test command (root "test" / "test:unit" scripts run it after `tsc -b`).
//
//   node scripts/run-tests.mjs [--unit] [<dir-or-file> ...]
//
// Finds compiled tests under packages/*/dist and services/*/dist (`*.test.js`; integration tests are
// `*.it.test.js`; `*.host.test.js` need a host tool from a Debian package, e.g. promtool, and run with
// the unit tests, except under --unit, which needs no JVM and no Debian package); path arguments (src
// or dist files/folders, or package folders) restrict the set. The root `npm test` runs
// scripts/provision.mjs first, so everything these tests need is there (or it stopped saying why).
// Unit tests run concurrently; integration tests run one file at a time. When integration tests are
// selected and KAFKA_BROKERS / ELASTICSEARCH_URL are unset, Kafka and Elasticsearch are started once
// through @rollwatch/testkit for the whole run and handed to the tests through those env vars.
// Prints node's spec output and ONE closing summary (the counts of all phases) at the very end.
// Exits non-zero on any failure, including a server that cannot start.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const unitOnly = argv.includes('--unit');
const itOnly = argv.includes('--it');
const filters = argv.filter((a) => !a.startsWith('--'));
const unknown = argv.filter((a) => a.startsWith('--') && a !== '--unit' && a !== '--it');
if (unknown.length) {
  console.error(`run-tests: unknown option(s) ${unknown.join(' ')} (known: --unit, --it)`);
  process.exit(2);
}

function walk(dir, out) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules') continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.isFile() && e.name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

function allTestFiles() {
  const files = [];
  for (const group of ['packages', 'services']) {
    const g = path.join(ROOT, group);
    if (!existsSync(g)) continue;
    for (const pkg of readdirSync(g)) {
      const dist = path.join(g, pkg, 'dist');
      if (existsSync(dist)) walk(dist, files);
    }
  }
  // Skip stale outputs whose source was deleted or renamed (tsc -b never removes them).
  return files.filter((f) => {
    const src = f.replace(`${path.sep}dist${path.sep}`, `${path.sep}src${path.sep}`).replace(/\.js$/, '');
    return ['.ts', '.mts', '.tsx', '.js', '.mjs'].some((ext) => existsSync(src + ext));
  }).sort();
}

/** Map a user path (src .ts file, src folder, package folder, dist path) onto dist paths. */
function toDistPrefix(arg) {
  let p = path.resolve(arg);
  const rel = path.relative(ROOT, p);
  const parts = rel.split(path.sep);
  // packages/<x>[/src/...] -> packages/<x>/dist/...
  if (parts.length >= 2 && (parts[0] === 'packages' || parts[0] === 'services')) {
    if (parts.length === 2) return { prefix: path.join(ROOT, parts[0], parts[1], 'dist') + path.sep, exact: false };
    if (parts[2] === 'src') parts[2] = 'dist';
    // eslint-disable-next-line no-restricted-syntax -- bounded: the segments of one command-line path
    p = path.join(ROOT, ...parts);
  }
  if (/\.tsx?$/.test(p)) p = p.replace(/\.tsx?$/, '.js');
  const isDir = existsSync(p) ? statSync(p).isDirectory() : !p.endsWith('.js');
  return isDir ? { prefix: p.replace(/\/?$/, path.sep), exact: false } : { prefix: p, exact: true };
}

let files = allTestFiles();
if (filters.length) {
  const wanted = filters.map(toDistPrefix);
  files = files.filter((f) => wanted.some((w) => (w.exact ? f === w.prefix : f.startsWith(w.prefix))));
  if (!files.length) {
    console.error(`run-tests: no compiled tests match ${filters.join(' ')} (did \`tsc -b\` run?)`);
    process.exit(1);
  }
}
const itFiles = unitOnly ? [] : files.filter((f) => f.endsWith('.it.test.js'));
const unitFiles = itOnly ? [] : files.filter((f) => !f.endsWith('.it.test.js') && !(unitOnly && f.endsWith('.host.test.js')));

const totals = { tests: 0, suites: 0, pass: 0, fail: 0, cancelled: 0, skipped: 0, todo: 0, duration_ms: 0 };
const SUMMARY = /^(?:\u2139 )?(tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) (\d+(?:\.\d+)?)\s*$/;
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;
let child;
let interrupted = false;

/** Run one `node --test` phase; its closing summary lines are folded into `totals` instead of printed. */
function runPhase(label, testFiles, extraArgs, env) {
  return new Promise((resolve) => {
    console.log(`\n# run-tests: ${label}: ${testFiles.length} file(s)`);
    // --test-force-exit: a failed test that leaves a socket or timer open must fail the run, not hang CI.
    const args = ['--test', '--test-reporter=spec', '--test-force-exit', '--test-timeout=900000', ...extraArgs, ...testFiles.map((f) => path.relative(ROOT, f))];
    child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] });
    let sawSummary = false;
    const rl = createInterface({ input: child.stdout });
    rl.on('line', (line) => {
      const m = SUMMARY.exec(line.replace(ANSI, ''));
      if (m && line.includes('\u2139')) {
        sawSummary = true;
        totals[m[1]] += Number(m[2]);
        return;
      }
      process.stdout.write(line + '\n');
    });
    child.on('close', (code, signal) => {
      child = undefined;
      rl.close();
      resolve({ code: code ?? 1, signal, sawSummary });
    });
  });
}

function fmtMs(ms) {
  return `${(ms / 1000).toFixed(1)} s`;
}

let servers = [];
async function stopServers() {
  const s = servers;
  servers = [];
  await Promise.allSettled(s.map((x) => x.stop()));
}

function keepServerLogs() {
  const dest = path.join(ROOT, 'artifacts', 'test-servers');
  for (const s of servers) {
    if (!s.logFile || !existsSync(s.logFile)) continue;
    mkdirSync(dest, { recursive: true });
    const to = path.join(dest, `${s.name}-${path.basename(s.logFile)}`);
    try { cpSync(s.logFile, to); console.log(`# run-tests: ${s.name} log kept at ${path.relative(ROOT, to)}`); } catch { /* best effort */ }
  }
}

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    interrupted = true;
    console.error(`\nrun-tests: ${sig}, stopping`);
    child?.kill('SIGTERM');
    void stopServers().finally(() => process.exit(130));
  });
}

async function main() {
  const t0 = Date.now();
  // The test Elasticsearch is one node: no replicas (production defaults to 1, see docs/storage.md).
  const env = { ...process.env, KAFKAJS_NO_PARTITIONER_WARNING: '1', ELASTICSEARCH_REPLICAS: process.env.ELASTICSEARCH_REPLICAS ?? '0' };
  let failed = false;
  const problems = [];

  if (!files.length) console.log('# run-tests: no compiled test files found');

  if (unitFiles.length) {
    const r = await runPhase('unit tests', unitFiles, [], env);
    if (r.code !== 0 || !r.sawSummary) { failed = true; problems.push(`unit phase exited with ${r.signal ?? r.code}`); }
  }

  if (itFiles.length && !interrupted) {
    const needKafka = !process.env.KAFKA_BROKERS;
    const needEs = !process.env.ELASTICSEARCH_URL;
    let startError;
    if (needKafka || needEs) {
      const testkitEntry = path.join(ROOT, 'packages', 'testkit', 'dist', 'index.js');
      if (!existsSync(testkitEntry)) throw new Error(`run-tests: ${testkitEntry} missing; run \`tsc -b\` first`);
      const tk = await import(pathToFileURL(testkitEntry).href);
      const started = Date.now();
      console.log(`# run-tests: starting ${[needKafka && 'Kafka', needEs && 'Elasticsearch'].filter(Boolean).join(' and ')} for the integration tests`);
      const [k, e] = await Promise.allSettled([
        needKafka ? tk.ensureKafka({ fresh: true }).then((s) => { servers.push({ name: 'kafka', ...s, stop: s.stop }); return s; }) : Promise.resolve(undefined),
        needEs ? tk.ensureElasticsearch({ fresh: true }).then((s) => { servers.push({ name: 'elasticsearch', ...s, stop: s.stop }); return s; }) : Promise.resolve(undefined),
      ]);
      if (k.status === 'rejected' || e.status === 'rejected') {
        startError = [k, e].filter((x) => x.status === 'rejected').map((x) => x.reason?.stack ?? String(x.reason)).join('\n\n');
      } else {
        if (k.value) env.KAFKA_BROKERS = k.value.bootstrap;
        if (e.value) env.ELASTICSEARCH_URL = e.value.url;
        console.log(`# run-tests: servers ready in ${fmtMs(Date.now() - started)}${k.value ? ` KAFKA_BROKERS=${env.KAFKA_BROKERS}` : ''}${e.value ? ` ELASTICSEARCH_URL=${env.ELASTICSEARCH_URL}` : ''}`);
      }
    }
    if (startError) {
      failed = true;
      problems.push('test servers failed to start');
      console.error(`\nrun-tests: could not start the test servers; ${itFiles.length} integration file(s) NOT run:\n${startError}`);
      totals.fail += itFiles.length;
      totals.tests += itFiles.length;
    } else if (!interrupted) {
      const r = await runPhase('integration tests', itFiles, ['--test-concurrency=1'], env);
      if (r.code !== 0 || !r.sawSummary) { failed = true; problems.push(`integration phase exited with ${r.signal ?? r.code}`); }
    }
    if (failed) keepServerLogs();
    await stopServers();
  }

  if (totals.fail > 0 || totals.cancelled > 0) failed = true;
  if (problems.length) console.log(`\n# run-tests: ${problems.join('; ')}`);
  console.log(`# run-tests: total wall time ${fmtMs(Date.now() - t0)}`);
  // Node's closing summary, once, for the whole run (CI parses these lines).
  console.log('');
  for (const k of Object.keys(totals)) console.log(`\u2139 ${k} ${k === 'duration_ms' ? totals[k].toFixed(6).replace(/\.?0+$/, '') : totals[k]}`);
  process.exitCode = failed ? 1 : 0;
}

main().catch(async (e) => {
  console.error(e?.stack ?? String(e));
  await stopServers();
  process.exitCode = 1;
});
