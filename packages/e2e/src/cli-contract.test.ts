import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fixtureLines, fixturePath, inParallel, loadLabels, REPO_ROOT, runRollwatch, shuffled, type CliRun, type ScenarioLabel } from './labelled-fixtures.js';

// The `rollwatch` command as users and CI scripts see it: spawned from the repo root, stdout parsed
// line by line. These are the promises other tools build on (exact keys, exit codes, determinism).

const labels = loadLabels();
let dir: string;
before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'rollwatch-cli-contract-'));
});
after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const BASE_KEYS = ['rollout', 'decision', 'score', 'noGoAt', 'reasons'];

/** Keys docs/analysis.md declares for `analyze --json`: extras beyond the contract must be listed there. */
function documentedAnalyzeKeys(): string[] {
  const docs = readFileSync(path.join(REPO_ROOT, 'docs', 'analysis.md'), 'utf8');
  const m = /with `--json`,\s*`\{([^}`]*)\}`/.exec(docs);
  assert.ok(m, 'docs/analysis.md must declare the `analyze --json` keys as `{"rollout",...}`');
  return [...m[1]!.matchAll(/"([A-Za-z]+)"/g)].map((k) => k[1]!);
}

interface AnalyzeLine {
  rollout: string;
  decision: string;
  score: number | null;
  noGoAt: string | null;
  reasons: { signal: string; severity: string; message: string; cause?: string; attribute?: { name: string; value: string } }[];
  cause?: string;
}

function parseLines(run: CliRun): AnalyzeLine[] {
  const lines = run.stdout.split('\n').filter((l) => l !== '');
  return lines.map((l) => JSON.parse(l) as AnalyzeLine);
}

function assertVerdictMatchesLabel(line: AnalyzeLine, label: ScenarioLabel, allowedKeys: Set<string>): void {
  const keys = Object.keys(line);
  assert.deepEqual(keys.slice(0, BASE_KEYS.length), BASE_KEYS, `${label.file}: key order`);
  for (const k of keys) assert.ok(allowedKeys.has(k), `${label.file}: key "${k}" is neither in the contract nor declared in docs/analysis.md`);
  assert.equal(line.rollout, label.rollout);
  assert.equal(line.decision, label.expected, `${label.file}: decision`);
  assert.ok(line.score === null || (typeof line.score === 'number' && line.score >= 0 && line.score <= 100), `${label.file}: score ${line.score}`);
  assert.ok(Array.isArray(line.reasons) && line.reasons.length > 0, `${label.file}: reasons`);
  for (const r of line.reasons) assert.ok(typeof r.signal === 'string' && typeof r.severity === 'string' && typeof r.message === 'string', `${label.file}: reason shape ${JSON.stringify(r)}`);
  if (label.expected !== 'no-go') {
    assert.equal(line.noGoAt, null, `${label.file}: noGoAt must be null unless no-go`);
    return;
  }
  // noGoAt is on the event-time axis: inside the recording, and never before the canary went bad
  // (earlier would be a false alarm that happened to be right).
  assert.ok(typeof line.noGoAt === 'string' && !Number.isNaN(Date.parse(line.noGoAt)), `${label.file}: noGoAt ${line.noGoAt}`);
  const times = fixtureLines(label).map((l) => Date.parse((JSON.parse(l) as { time: string }).time));
  const at = Date.parse(line.noGoAt);
  assert.ok(at >= Math.min(...times) && at <= Math.max(...times), `${label.file}: noGoAt ${line.noGoAt} outside the recording`);
  if (label.badFrom) assert.ok(at >= Date.parse(label.badFrom), `${label.file}: noGoAt ${line.noGoAt} before badFrom ${label.badFrom}`);
  if (label.cause) assert.equal(line.cause, label.cause, `${label.file}: cause`);
  if (label.attribute) {
    const attributed = line.reasons.find((r) => r.attribute?.name === label.attribute!.name);
    assert.deepEqual(attributed?.attribute, label.attribute, `${label.file}: attributed ${label.attribute.name}`);
  }
}

test('analyze --json: every labelled fixture gives one line with the contract keys and the labelled decision/cause', async () => {
  const allowed = new Set([...BASE_KEYS, ...documentedAnalyzeKeys()]);
  const runs = await inParallel(labels.map((label) => () => runRollwatch(['analyze', fixturePath(label), '--json'])));
  for (const [i, label] of labels.entries()) {
    const run = runs[i]!;
    assert.equal(run.code, 0, `${label.file}: exit ${run.code}; stderr: ${run.stderr}`);
    const lines = parseLines(run);
    assert.equal(lines.length, 1, `${label.file}: one rollout, one line`);
    assertVerdictMatchesLabel(lines[0]!, label, allowed);
  }
});

test('analyze --json over all fixtures at once: one line per rollout, deterministic bytes, input order irrelevant', async () => {
  const all = labels.flatMap((label) => fixtureLines(label));
  const ordered = path.join(dir, 'all.ndjson');
  const mixed = path.join(dir, 'all-shuffled.ndjson');
  writeFileSync(ordered, `${all.join('\n')}\n`);
  writeFileSync(mixed, `${shuffled(all, 20250106).join('\n')}\n`);
  const [first, second, fromShuffled] = await inParallel([
    () => runRollwatch(['analyze', ordered, '--json']),
    () => runRollwatch(['analyze', ordered, '--json']),
    () => runRollwatch(['analyze', mixed, '--json']),
  ]);
  for (const run of [first!, second!, fromShuffled!]) assert.equal(run.code, 0, run.stderr);
  assert.equal(second!.stdout, first!.stdout, 'two runs over the same file must print identical bytes');
  assert.equal(fromShuffled!.stdout, first!.stdout, 'shuffled event order must print identical bytes');
  const lines = parseLines(first!);
  assert.deepEqual(lines.map((l) => l.rollout).sort(), labels.map((l) => l.rollout).sort());
  const allowed = new Set([...BASE_KEYS, ...documentedAnalyzeKeys()]);
  for (const line of lines) assertVerdictMatchesLabel(line, labels.find((l) => l.rollout === line.rollout)!, allowed);
});

test('analyze reads stdin with "-" and prints the same bytes as from the file', async () => {
  const label = labels.find((l) => l.rollout === 'crash-loop')!;
  const [fromFile, fromStdin] = await inParallel([
    () => runRollwatch(['analyze', fixturePath(label), '--json']),
    () => runRollwatch(['analyze', '-', '--json'], { stdin: readFileSync(fixturePath(label), 'utf8') }),
  ]);
  assert.equal(fromStdin!.code, 0, fromStdin!.stderr);
  assert.equal(fromStdin!.stdout, fromFile!.stdout);
});

/**
 * Canary and baseline both fail 15% of requests: no comparative signal fires, only the absolute
 * `thresholds.errorRate` ceiling (10% by default). So a policy raising that ceiling flips the outcome.
 */
function highButEqualErrorRates(): string {
  const start = Date.parse('2025-03-03T09:00:00.000Z');
  const fleet = [...['c1', 'c2', 'c3'].map((i) => ['canary', i]), ...['b1', 'b2', 'b3', 'b4', 'b5', 'b6'].map((i) => ['baseline', i])] as const;
  const common = { rollout: 'policy-case', service: 'shop' };
  const events: Record<string, unknown>[] = [];
  let n = 0;
  for (const [group, instance] of fleet) events.push({ ...common, id: `pc-${++n}`, time: new Date(start).toISOString(), group, type: 'container_start', instance });
  for (let minute = 0; minute < 15; minute++) {
    for (const [k, [group, instance]] of fleet.entries()) {
      const t = start + minute * 60_000 + 30_000 + k * 100;
      const requests = 600 + ((minute * 7 + k * 13) % 41);
      const errors = Math.round(requests * 0.15) + ((minute + k) % 5) - 2;
      events.push({ ...common, id: `pc-${++n}`, time: new Date(t).toISOString(), group, type: 'metric', instance, metric: 'http_requests_total', value: requests });
      events.push({ ...common, id: `pc-${++n}`, time: new Date(t + 1).toISOString(), group, type: 'metric', instance, metric: 'http_errors_total', value: errors });
    }
  }
  return `${events.map((e) => JSON.stringify(e)).join('\n')}\n`;
}

test('analyze --policy changes the outcome: a lenient errorRate ceiling turns a no-go into go; a bad policy exits 2 naming the field', async () => {
  const events = path.join(dir, 'policy-case.ndjson');
  writeFileSync(events, highButEqualErrorRates());
  const lenient = path.join(dir, 'lenient.yaml');
  writeFileSync(lenient, 'thresholds:\n  errorRate: 0.5\n');
  const broken = path.join(dir, 'broken.yaml');
  writeFileSync(broken, 'thresholds:\n  errorRate: 7\n');
  const [strict, relaxed, invalid] = await inParallel([
    () => runRollwatch(['analyze', events, '--json']),
    () => runRollwatch(['analyze', events, '--policy', lenient, '--json']),
    () => runRollwatch(['analyze', events, '--policy', broken, '--json']),
  ]);
  assert.equal(strict!.code, 0, strict!.stderr);
  const [s] = parseLines(strict!);
  assert.equal(s!.decision, 'no-go');
  assert.ok(s!.reasons.some((r) => r.signal === 'http_error_rate' && r.severity === 'fail' && /above the 10% ceiling/.test(r.message)), JSON.stringify(s!.reasons));
  assert.equal(relaxed!.code, 0, relaxed!.stderr);
  const [r] = parseLines(relaxed!);
  assert.equal(r!.decision, 'go', JSON.stringify(r!.reasons.filter((x) => x.severity !== 'info')));
  assert.equal(r!.noGoAt, null);
  assert.equal(invalid!.code, 2);
  assert.equal(invalid!.stdout, '');
  assert.match(invalid!.stderr, /thresholds\.errorRate/);
});

test('analyze reports malformed lines with their line numbers on stderr, still judges the valid ones, exits 2', async () => {
  const valid = highButEqualErrorRates().split('\n').filter(Boolean);
  const file = path.join(dir, 'bad-lines.ndjson');
  const badGroup = JSON.stringify({ time: '2025-03-03T09:00:00.000Z', rollout: 'policy-case', group: 'blue', type: 'metric', instance: 'x' });
  writeFileSync(file, [...valid.slice(0, 3), '{"time": broken', badGroup, ...valid.slice(3)].join('\n') + '\n');
  const run = await runRollwatch(['analyze', file, '--json']);
  assert.equal(run.code, 2);
  assert.match(run.stderr, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4: not JSON`));
  assert.match(run.stderr, /:5: group: /);
  assert.doesNotMatch(run.stderr, /:(1|2|3|6):/, 'only the bad lines are reported');
  const lines = parseLines(run);
  assert.equal(lines.length, 1);
  assert.equal(lines[0]!.rollout, 'policy-case');
});

test('analyze on a missing file exits non-zero with a clear message and prints nothing on stdout', async () => {
  const missing = path.join(dir, 'does-not-exist.ndjson');
  const run = await runRollwatch(['analyze', missing, '--json']);
  assert.notEqual(run.code, 0);
  assert.equal(run.stdout, '');
  assert.match(run.stderr, /cannot read .*does-not-exist\.ndjson.*(ENOENT|no such file)/);
});

const TEMPLATE_LINE = /^\{"line":\d+,"templateId":"[^"]+","template":".*"\}$/;

test('templates --json: one object per input line, in order, exact keys; same shape → same templateId; JSON logs use their message', async () => {
  const input = [
    'user 17 logged in from 10.0.0.1',
    'disk /dev/sda1 is 91% full',
    'user 42 logged in from 10.0.0.2',
    JSON.stringify({ level: 'info', ts: 1736157600, message: 'user 99 logged in from 10.0.0.9' }),
    'connection reset by peer conn=77',
    'disk /dev/sdb2 is 45% full',
  ];
  const file = path.join(dir, 'app.log');
  writeFileSync(file, `${input.join('\n')}\n`);
  const [fromFile, fromStdin] = await inParallel([() => runRollwatch(['templates', file, '--json']), () => runRollwatch(['templates', '-', '--json'], { stdin: `${input.join('\n')}\n` })]);
  assert.equal(fromFile!.code, 0, fromFile!.stderr);
  const raw = fromFile!.stdout.split('\n').filter(Boolean);
  assert.equal(raw.length, input.length);
  for (const line of raw) assert.match(line, TEMPLATE_LINE);
  const rows = raw.map((l) => JSON.parse(l) as { line: number; templateId: string; template: string });
  assert.deepEqual(rows.map((r) => r.line), [1, 2, 3, 4, 5, 6]);
  const login = rows[0]!.templateId;
  assert.equal(rows[2]!.templateId, login);
  assert.equal(rows[3]!.templateId, login, 'the JSON line is mined by its message field');
  assert.doesNotMatch(rows[3]!.template, /level|ts|\{/);
  assert.equal(rows[5]!.templateId, rows[1]!.templateId);
  assert.equal(new Set(rows.map((r) => r.templateId)).size, 3);
  assert.match(rows[0]!.template, /^user <\*> logged in from <\*>$/);
  assert.equal(fromStdin!.code, 0, fromStdin!.stderr);
  assert.equal(fromStdin!.stdout, fromFile!.stdout);
});

test('templates diff --json: a template new in the canary comes with an example line; a risen one with a p-value', async () => {
  const baseline: string[] = [];
  const canary: string[] = [];
  for (let i = 0; i < 300; i++) {
    baseline.push(`GET /api/items/${i} returned 200 in ${10 + (i % 7)}ms`);
    canary.push(`GET /api/items/${i + 5} returned 200 in ${11 + (i % 5)}ms`);
  }
  for (let i = 0; i < 6; i++) baseline.splice(i * 50, 0, `cache miss for key session:${1000 + i}`);
  for (let i = 0; i < 60; i++) canary.splice(i * 5, 0, `cache miss for key session:${2000 + i}`);
  const npe = (i: number) => `NullPointerException in PriceCalculator.apply order=${40_000 + i * 17}`;
  for (let i = 0; i < 12; i++) canary.splice(i * 20 + 3, 0, npe(i));
  const b = path.join(dir, 'baseline.log');
  const c = path.join(dir, 'canary.log');
  writeFileSync(b, `${baseline.join('\n')}\n`);
  writeFileSync(c, `${canary.join('\n')}\n`);
  const run = await runRollwatch(['templates', 'diff', b, c, '--json']);
  assert.equal(run.code, 0, run.stderr);
  type Change = { templateId: string; template: string; canaryCount: number; baselineCount: number; pValue: number; significant: boolean; example: string };
  const diff = JSON.parse(run.stdout) as { newTemplates: Change[]; rose: Change[]; gone: Change[] };
  assert.equal(diff.newTemplates.length, 1, JSON.stringify(diff.newTemplates));
  const fresh = diff.newTemplates[0]!;
  assert.equal(fresh.template, 'NullPointerException in PriceCalculator.apply order=<*>');
  assert.equal(fresh.baselineCount, 0);
  assert.equal(fresh.canaryCount, 12);
  assert.ok(canary.includes(fresh.example) && fresh.example.startsWith('NullPointerException'), `example ${fresh.example}`);
  assert.ok(fresh.significant && fresh.pValue < 0.01, `p=${fresh.pValue}`);
  const rose = diff.rose.find((r) => r.template.startsWith('cache miss for key'));
  assert.ok(rose, JSON.stringify(diff.rose));
  assert.equal(rose.baselineCount, 6);
  assert.equal(rose.canaryCount, 60);
  assert.ok(typeof rose.pValue === 'number' && rose.pValue > 0 && rose.pValue < 0.01 && rose.significant, `p=${rose.pValue}`);
  assert.ok(!diff.rose.some((r) => r.template.startsWith('GET')), 'the steady template did not rise');
});

test('rollwatch --help exits 0 with usage; an unknown command exits 2 and says so on stderr', async () => {
  const [help, unknown] = await inParallel([() => runRollwatch(['--help']), () => runRollwatch(['frobnicate'])]);
  assert.equal(help!.code, 0, help!.stderr);
  assert.match(help!.stdout, /Usage:[\s\S]*rollwatch analyze[\s\S]*rollwatch templates/);
  assert.equal(unknown!.code, 2);
  assert.match(unknown!.stderr, /unknown command "frobnicate"/);
});

test('conventions through the real binary: --version, <command> --help exits 0 without starting anything, unknown flags exit 2 on stderr', async () => {
  const version = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  const [v, startHelp, gateHelp, badFlag, noRollout] = await inParallel([
    () => runRollwatch(['--version']),
    () => runRollwatch(['start', '--help']),
    () => runRollwatch(['gate', '-h']),
    () => runRollwatch(['analyze', '--bogus']),
    () => runRollwatch(['gate']),
  ]);
  assert.deepEqual([v!.code, v!.stdout], [0, `${version}\n`]);
  assert.equal(startHelp!.code, 0, startHelp!.stderr);
  assert.match(startHelp!.stdout, /^usage: rollwatch start/);
  assert.doesNotMatch(startHelp!.stderr, /rollwatch running/, '--help must not start the services');
  assert.equal(gateHelp!.code, 0);
  assert.match(gateHelp!.stdout, /Exit status: 0 go; 1 no-go/);
  assert.equal(badFlag!.code, 2);
  assert.equal(badFlag!.stdout, '');
  assert.match(badFlag!.stderr, /--bogus/);
  assert.equal(noRollout!.code, 2);
  assert.match(noRollout!.stderr, /missing the rollout id/);
});
