import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseEvent, type RollwatchEvent } from '@rollwatch/core';
import { analyzeEvents, type AnalyzeResult } from '@rollwatch/analysis';
import { startServices, type RunningStack } from '@rollwatch/cli';
import { eventually, fixtureLines, loadLabels, type Decision, type ScenarioLabel } from './labelled-fixtures.js';

// The promise of docs/analysis.md: "a live stream and a replay of the same events agree". Each
// labelled fixture is POSTed to the LIVE ingest (embedded mode: the production services in one
// process) and the detector's verdict is compared with labels.json and with `analyzeEvents`.

const labels = loadLabels();
const CHUNK_LINES = 1000;

let spool: string;
let stack: RunningStack;
before(async () => {
  spool = mkdtempSync(path.join(tmpdir(), 'rollwatch-live-replay-'));
  stack = await startServices({
    // The fixtures are 2025 history, replayed now with the default retention: the detector judges
    // them on their own timeline and keeps them while events keep arriving.
    env: { LOG_LEVEL: 'silent', INGEST_SPOOL_DIR: path.join(spool, 'main') },
    ports: { ingest: 0, detector: 0, alerts: 0 },
  });
});
after(async () => {
  await stack?.stop();
  if (spool) rmSync(spool, { recursive: true, force: true });
});

type Port = 'ingest' | 'detector';
const url = (s: RunningStack, service: Port, p: string) => `http://127.0.0.1:${s.ports[service]}${p}`;

interface LiveVerdict {
  rollout: string;
  decision: Decision;
  score: number | null;
  noGoAt: string | null;
  cause: string | null;
  evaluatedAt: string;
  reasons: { signal: string; severity: string; message: string; pValue?: number | null; threshold?: number | null; template?: string; example?: string; attribute?: { name: string; value: string }; batch?: number }[];
}

async function postNdjson(s: RunningStack, lines: string[]): Promise<void> {
  for (let i = 0; i < lines.length; i += CHUNK_LINES) {
    const res = await fetch(url(s, 'ingest', '/api/v1/events'), { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: lines.slice(i, i + CHUNK_LINES).join('\n') });
    assert.equal(res.status, 202, `chunk at line ${i + 1}: ${await res.text()}`);
  }
}

async function verdictOf(s: RunningStack, rollout: string): Promise<LiveVerdict | undefined> {
  const res = await fetch(url(s, 'detector', `/api/v1/rollouts/${encodeURIComponent(rollout)}/verdict`));
  return res.status === 200 ? ((await res.json()) as LiveVerdict) : undefined;
}

/** The detector's engine has taken in all `count` events of the rollout. */
async function consumed(s: RunningStack, rollout: string, count: number, timeoutMs = 15_000): Promise<void> {
  await eventually(`${rollout}: ${count} events consumed by the detector`, async () => {
    const body = (await (await fetch(url(s, 'detector', '/api/v1/rollouts'))).json()) as { items: { rollout: string; events: number }[] };
    return body.items.find((r) => r.rollout === rollout && r.events >= count);
  }, timeoutMs);
}

/**
 * The verdict once it has settled: all events consumed, then either the expected decision (a go
 * may need the periodic pass) or, after a generous timeout, whatever it says, followed by a few
 * polls confirming it no longer changes.
 */
async function settledVerdict(label: ScenarioLabel, count: number): Promise<LiveVerdict> {
  await consumed(stack, label.rollout, count);
  const end = Date.now() + 15_000;
  let v = await verdictOf(stack, label.rollout);
  while ((v?.decision !== label.expected) && Date.now() < end) {
    await sleep(100);
    v = await verdictOf(stack, label.rollout);
  }
  for (let i = 0; i < 3; i++) {
    await sleep(100);
    const again = await verdictOf(stack, label.rollout);
    assert.equal(again?.decision, v?.decision, `${label.rollout}: verdict still changing`);
    v = again;
  }
  assert.ok(v, `${label.rollout}: no verdict`);
  return v;
}

function replayOf(lines: string[]): Promise<AnalyzeResult[]> {
  const events: RollwatchEvent[] = lines.map((l, i) => {
    const r = parseEvent(JSON.parse(l));
    if (!r.ok) throw new Error(`fixture line ${i + 1}: ${JSON.stringify(r.errors)}`);
    return r.event;
  });
  return analyzeEvents(events);
}

const failing = (reasons: { signal: string; severity: string }[]) => reasons.filter((r) => r.severity !== 'info').map((r) => `${r.signal}:${r.severity}`).sort();

const live = new Map<string, LiveVerdict>();
const replay = new Map<string, AnalyzeResult>();

for (const label of labels) {
  test(`${label.file}: the live detector says ${label.expected}${label.cause ? ` (${label.cause})` : ''}, as labels.json and analyzeEvents do`, async () => {
    const lines = fixtureLines(label);
    const [replayed] = await replayOf(lines);
    assert.ok(replayed);
    replay.set(label.rollout, replayed);
    await postNdjson(stack, lines);
    const v = await settledVerdict(label, lines.length);
    live.set(label.rollout, v);
    assert.equal(v.decision, label.expected, `live decision; failing: ${failing(v.reasons).join(', ')}`);
    assert.equal(replayed.decision, label.expected, 'replay decision');
    assert.equal(v.cause ?? null, replayed.cause ?? null, 'live cause == replay cause');
    if (label.cause) assert.equal(v.cause, label.cause);
    assert.equal(v.noGoAt ?? null, replayed.noGoAt, 'live noGoAt == replay noGoAt (event time of the first no-go)');
  });
}

test('new-error-template: the live verdict names the new template, with an example line from the canary', () => {
  const v = live.get('new-error-template');
  assert.ok(v, 'fixture test ran first');
  const reason = v.reasons.find((r) => r.signal === 'log_templates' && r.template !== undefined);
  assert.ok(reason, JSON.stringify(v.reasons));
  assert.match(reason.template!, /NullPointerException in PriceCalculator\.apply/);
  assert.ok(reason.message.includes(reason.template!), 'the message quotes the template text');
  assert.match(reason.message, /new log template in the canary/);
  // The example is a real line of the canary that fits the template.
  const shape = new RegExp(`^${reason.template!.split('<*>').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('\\S+')}$`);
  assert.match(reason.example ?? '', shape);
  const label = labels.find((l) => l.rollout === 'new-error-template')!;
  const canaryMessages = fixtureLines(label).map((l) => JSON.parse(l) as { group: string; message?: string }).filter((e) => e.group === 'canary').map((e) => e.message);
  assert.ok(canaryMessages.includes(reason.example), `example "${reason.example}" is a canary log line`);
});

test('kernel-failure: the live verdict blames the environment (kernel) with a Fisher exact p-value', () => {
  const v = live.get('kernel-failure');
  assert.ok(v, 'fixture test ran first');
  const label = labels.find((l) => l.rollout === 'kernel-failure')!;
  assert.equal(v.cause, 'environment');
  const reason = v.reasons.find((r) => r.signal === 'environment');
  assert.ok(reason, JSON.stringify(v.reasons));
  assert.deepEqual(reason.attribute, label.attribute);
  const m = /failures on (\d+)\/(\d+) instances on hosts with kernel (\S+)/.exec(reason.message);
  assert.ok(m, reason.message);
  assert.equal(m[3], label.attribute!.value);
  assert.ok(Number(m[1]) > 0 && Number(m[1]) <= Number(m[2]));
  assert.match(reason.message, /Fisher exact p=\d/);
  assert.ok(typeof reason.pValue === 'number' && reason.pValue > 0 && reason.pValue < (reason.threshold ?? 0.05), `p=${reason.pValue}`);
});

async function batchGate(s: RunningStack, rollout: string, batch: number): Promise<{ status: number; body: LiveVerdict & { batch: number } }> {
  const res = await fetch(url(s, 'detector', `/api/v1/rollouts/${encodeURIComponent(rollout)}/gate?batch=${batch}`));
  return { status: res.status, body: (await res.json()) as LiveVerdict & { batch: number } };
}

test('mixed-version-batch: version skew in the failing batch; its gate answers 409, earlier batches 200', async () => {
  const v = live.get('mixed-version-batch');
  assert.ok(v, 'fixture test ran first');
  const skew = v.reasons.find((r) => r.signal === 'version_skew' && r.severity !== 'info');
  assert.ok(skew, JSON.stringify(failing(v.reasons)));
  assert.match(skew.message, /version skew in batch \d+: .* on \S+ .*target \S+/);
  const failed = skew.batch;
  assert.ok(typeof failed === 'number' && failed >= 1);
  const gate = await batchGate(stack, 'mixed-version-batch', failed);
  assert.equal(gate.status, 409, JSON.stringify(gate.body));
  assert.equal(gate.body.batch, failed);
  assert.ok(gate.body.reasons.some((r) => r.signal === 'version_skew' && r.severity !== 'info'));
  for (let b = 1; b < failed; b++) assert.equal((await batchGate(stack, 'mixed-version-batch', b)).status, 200, `batch ${b} passed`);
  assert.equal((await fetch(url(stack, 'detector', '/api/v1/rollouts/mixed-version-batch/gate'))).status, 409, 'the rollout gate');
});

test('good-batch: every batch gate answers 200', async () => {
  const v = live.get('good-batch');
  assert.ok(v, 'fixture test ran first');
  const batches = [...new Set(v.reasons.map((r) => r.batch).filter((b): b is number => typeof b === 'number'))];
  assert.ok(batches.length >= 2, JSON.stringify(batches));
  for (const b of batches) assert.equal((await batchGate(stack, 'good-batch', b)).status, 200, `batch ${b}`);
});

test('a crash-looping canary, streamed as it happens, is no-go within 5 s of the POST returning', async (t) => {
  const label = labels.find((l) => l.rollout === 'crash-loop')!;
  const rollout = `crash-loop-live-${Date.now()}`;
  const events = fixtureLines(label).map((l) => JSON.parse(l) as { id: string; time: string; rollout: string });
  // Shift the recording so its last event is "now": the live case, not history.
  const shift = Date.now() - 1000 - Math.max(...events.map((e) => Date.parse(e.time)));
  const lines = events.map((e) => JSON.stringify({ ...e, id: `${e.id}-live`, rollout, time: new Date(Date.parse(e.time) + shift).toISOString() }));
  await postNdjson(stack, lines);
  const posted = Date.now();
  const v = await eventually('crash-loop no-go', async () => {
    const got = await verdictOf(stack, rollout);
    return got?.decision === 'no-go' ? got : undefined;
  }, 5000, 20);
  const latencyMs = Date.now() - posted;
  assert.ok(latencyMs < 5000, `no-go after ${latencyMs} ms`);
  assert.ok(v.reasons.some((r) => r.signal === 'crash_loop' && r.severity === 'critical'), JSON.stringify(failing(v.reasons)));
  assert.equal(v.cause, 'release');
  assert.equal((await fetch(url(stack, 'detector', `/api/v1/rollouts/${rollout}/gate`))).status, 409);
  t.diagnostic(`crash-loop no-go ${latencyMs} ms after the POST returned`);
});

// Replayed history is judged on its own timeline (min(now, last event + horizon)) and retained by
// arrival time, so the live service and `analyze` agree on scores and failing signals too.

test('replayed history: the live score and failing signals equal the replay', () => {
  const diffs: string[] = [];
  for (const label of labels) {
    const l = live.get(label.rollout);
    const r = replay.get(label.rollout);
    if (!l || !r) continue;
    if (l.score !== r.score || failing(l.reasons).join() !== failing(r.reasons).join()) {
      diffs.push(`${label.rollout}: live score ${l.score} [${failing(l.reasons).join(' ')}] vs replay ${r.score} [${failing(r.reasons).join(' ')}]`);
    }
  }
  assert.deepEqual(diffs, []);
});

test('replayed history with the default retention: the rollout stays queryable after the periodic evaluation', async () => {
  const fresh = await startServices({
    env: { LOG_LEVEL: 'silent', INGEST_SPOOL_DIR: path.join(spool, 'default-retention'), DETECTOR_EVALUATION_INTERVAL_MS: '100' },
    ports: { ingest: 0, detector: 0, alerts: 0 },
  });
  try {
    const label = labels.find((l) => l.rollout === 'mixed-version-batch')!;
    await postNdjson(fresh, fixtureLines(label));
    await sleep(1000); // ten periodic ticks
    const list = (await (await fetch(url(fresh, 'detector', '/api/v1/rollouts'))).json()) as { items: { rollout: string; events: number }[] };
    assert.equal(list.items.find((r) => r.rollout === label.rollout)?.events, fixtureLines(label).length, 'rollout still tracked with all its events');
    assert.equal((await batchGate(fresh, label.rollout, 3)).status, 409, 'batch gate still answers');
  } finally {
    await fresh.stop();
  }
});
