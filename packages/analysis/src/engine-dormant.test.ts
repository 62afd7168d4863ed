import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createEngine, restoreEngine, type Engine } from './engine.js';
import { snapshotEntryId } from './state/dormant.js';
import { ev, MIN, SEC, steady, T0 } from './test-helpers.js';

// A detector restores a checkpoint with `deferFinishedAt`: finished rollouts stay packed until
// something reads or feeds them. Every answer must equal a full restore's.

/** One finished rollout (hours ago), one live one, one registered without events. */
function source(): Engine {
  const engine = createEngine();
  engine.ingest(steady({ minutes: 10, rollout: 'done', latency: (id) => (id.startsWith('c') ? 140 : 100) }));
  engine.ingest([1, 2, 3, 4].map((i) => ev(i * 50 * SEC, { rollout: 'done', instance: 'c1', type: 'log', level: 'error', message: `boom id=${i}` })));
  engine.ingest(steady({ minutes: 10, from: 5 * 60 * MIN, rollout: 'live' }));
  engine.register({ id: 'waiting', service: 'web' });
  return engine;
}

/** Between the two rollouts: 'done' is finished, 'live' is not. */
const RESTORE_AT = T0 + 5 * 60 * MIN + 10 * MIN;
// Built once: the test helpers number event ids from a global counter, so two builds differ in ids.
const SOURCE = source();
/** The two forms a checkpoint takes: every rollout as objects, or finished ones packed as JSON text. */
const FORMS = {
  objects: JSON.stringify(SOURCE.snapshot()),
  packed: JSON.stringify(SOURCE.snapshot(undefined, { packFinishedAt: RESTORE_AT })),
};

test('a snapshot packs the rollouts finished at packFinishedAt only, and says so in its version', () => {
  const objects = JSON.parse(FORMS.objects) as { version: number; rollouts: Record<string, unknown>[] };
  const packed = JSON.parse(FORMS.packed) as { version: number; rollouts: Record<string, unknown>[] };
  assert.equal(objects.version, 2);
  assert.ok(objects.rollouts.every((r) => 'state' in r && !('json' in r)));
  assert.equal(packed.version, 3);
  assert.deepEqual(packed.rollouts.map((r) => [snapshotEntryId(r), 'json' in r]), [['done', true], ['live', false], ['waiting', false]]);
  const done = packed.rollouts[0] as { head: Record<string, unknown>; json: string };
  assert.deepEqual(JSON.parse(done.json), objects.rollouts[0]!.state, 'the packed text is the same state');
  const state = objects.rollouts[0]!.state as { id: string; service: string; registered: boolean; firstEventMs: number; maxEventMs: number; events: number };
  const row = restoreEngine(JSON.parse(FORMS.objects)).rollouts()[0]!;
  assert.deepEqual(done.head, { id: state.id, service: state.service, registered: state.registered, firstEventMs: state.firstEventMs, maxEventMs: state.maxEventMs, events: state.events, instances: row.instances });
  assert.ok(row.instances.canary > 0 && row.instances.baseline > 0);
});

test('restoring a packed checkpoint never parses the finished rollouts until they are read', () => {
  const doc = JSON.parse(FORMS.packed) as { rollouts: { json?: string }[] };
  doc.rollouts[0]!.json = '{ not json';
  const deferred = createEngine();
  deferred.restore(doc, { deferFinishedAt: RESTORE_AT });
  assert.deepEqual(deferred.rollouts().map((r) => r.rollout), ['done', 'live', 'waiting']);
  assert.equal(deferred.evaluate('live').rollout, 'live');
  assert.throws(() => deferred.evaluate('done'), SyntaxError, 'only a read parses it');
  assert.throws(() => createEngine().restore(doc), SyntaxError, 'without deferFinishedAt it is parsed at once');
});

test('a dormant packed rollout is written back byte for byte; an unpacked one is packed again', () => {
  const deferred = createEngine();
  deferred.restore(JSON.parse(FORMS.packed), { deferFinishedAt: RESTORE_AT });
  assert.equal(JSON.stringify(deferred.snapshot(undefined, { packFinishedAt: RESTORE_AT })), FORMS.packed);
  assert.deepEqual(deferred.snapshot(), JSON.parse(FORMS.objects), 'without the option the same state as objects');
  deferred.evaluate('done', RESTORE_AT);
  assert.equal(deferred.dormantRollouts(), 0);
  const again = deferred.snapshot(undefined, { packFinishedAt: RESTORE_AT }).rollouts[0] as { head: { id: string }; json: string };
  assert.equal(again.head.id, 'done');
  assert.equal((JSON.parse(again.json) as { id: string }).id, 'done', 'packed again from its (now evaluated) live state');
});

test('pack() holds the finished rollouts as JSON text in a live engine, with the same answers and the same snapshot', () => {
  const live = restoreEngine(JSON.parse(FORMS.objects));
  const control = restoreEngine(JSON.parse(FORMS.objects));
  assert.equal(live.pack(['done', 'live', 'waiting', 'unknown'], RESTORE_AT), 1, 'only the finished rollout is packed');
  assert.equal(live.dormantRollouts(), 1);
  assert.equal(live.pack(['done'], RESTORE_AT), 0, 'already packed');
  assert.equal(JSON.stringify(live.snapshot(undefined, { packFinishedAt: RESTORE_AT })), JSON.stringify(control.snapshot(undefined, { packFinishedAt: RESTORE_AT })));
  assert.deepEqual(live.rollouts(), control.rollouts());
  assert.equal(live.lastEventMs('done'), control.lastEventMs('done'));
  assert.deepEqual(live.evaluate('done', RESTORE_AT), control.evaluate('done', RESTORE_AT));
  assert.equal(live.dormantRollouts(), 0, 'a read unpacks it');
  assert.deepEqual(live.series('done'), control.series('done'));
  assert.equal(live.pack(['done'], T0 + 5 * MIN), 0, 'not finished at that time: left as it is');
});

for (const [form, json] of Object.entries(FORMS)) {
const checkpoint = (): unknown => JSON.parse(json);

test(`a finished rollout stays packed after the restore; live and registered ones are unpacked (checkpoint as ${form})`, () => {
  const lazy = restoreEngine(checkpoint());
  assert.equal(lazy.dormantRollouts(), 0, 'without the option every rollout is unpacked');
  const deferred = createEngine();
  deferred.restore(checkpoint(), { deferFinishedAt: RESTORE_AT });
  assert.equal(deferred.dormantRollouts(), 1);
  // Reading the list, the last event time and the horizon does not unpack it.
  assert.deepEqual(deferred.rollouts().map((r) => r.rollout), ['done', 'live', 'waiting']);
  assert.equal(deferred.lastEventMs('done'), lazy.lastEventMs('done'));
  assert.equal(deferred.evaluationHorizonMs('done'), lazy.evaluationHorizonMs('done'));
  assert.equal(deferred.dormantRollouts(), 1);
});

test(`every answer of a dormant rollout equals a full restore, and reading unpacks it (checkpoint as ${form})`, () => {
  const full = restoreEngine(checkpoint());
  const deferred = createEngine();
  deferred.restore(checkpoint(), { deferFinishedAt: RESTORE_AT });
  assert.deepEqual(deferred.rollouts(), full.rollouts());
  assert.deepEqual(deferred.snapshot(), full.snapshot(), 'a checkpoint of the restored engine is the same document');
  assert.deepEqual(deferred.snapshot(undefined, { packFinishedAt: RESTORE_AT }), full.snapshot(undefined, { packFinishedAt: RESTORE_AT }));
  assert.equal(deferred.dormantRollouts(), 1, 'snapshot writes it back without unpacking');
  assert.deepEqual(deferred.evaluate('done', RESTORE_AT), full.evaluate('done', RESTORE_AT));
  assert.equal(deferred.dormantRollouts(), 0);
  assert.equal(full.evaluate('done', RESTORE_AT).decision, 'no-go', 'the fixture is a real verdict');
  for (const rollout of ['done', 'live', 'waiting']) {
    assert.deepEqual(deferred.series(rollout), full.series(rollout));
    assert.deepEqual(deferred.hostInventory(rollout), full.hostInventory(rollout));
    assert.deepEqual(deferred.templates(rollout), full.templates(rollout));
    assert.deepEqual(deferred.evaluate(rollout), full.evaluate(rollout));
  }
});

test(`a late event for a dormant rollout is analysed as after a full restore (checkpoint as ${form})`, () => {
  const full = restoreEngine(checkpoint());
  const deferred = createEngine();
  deferred.restore(checkpoint(), { deferFinishedAt: RESTORE_AT });
  const late = [ev(9 * MIN + 30 * SEC, { rollout: 'done', instance: 'c1', type: 'oom_killed' })];
  assert.deepEqual(deferred.ingest(late), full.ingest(late));
  assert.equal(deferred.dormantRollouts(), 0);
  assert.deepEqual(deferred.evaluate('done'), full.evaluate('done'));
  assert.deepEqual(deferred.snapshot(), full.snapshot());
});

test(`evict and forget drop dormant rollouts; a second restore replaces a dormant one (checkpoint as ${form})`, () => {
  const deferred = createEngine();
  deferred.restore(checkpoint(), { deferFinishedAt: RESTORE_AT });
  assert.deepEqual(deferred.evict(T0 + 60 * MIN), ['done']);
  assert.equal(deferred.dormantRollouts(), 0);
  assert.deepEqual(deferred.rollouts().map((r) => r.rollout), ['live', 'waiting']);
  deferred.restore(checkpoint(), { deferFinishedAt: RESTORE_AT });
  assert.equal(deferred.dormantRollouts(), 1);
  assert.equal(deferred.forget('done'), true);
  assert.equal(deferred.dormantRollouts(), 0);
  assert.equal(deferred.lastEventMs('done'), null);
  // Restoring again over a live copy leaves one copy, dormant.
  deferred.restore(checkpoint());
  deferred.restore(checkpoint(), { deferFinishedAt: RESTORE_AT });
  assert.equal(deferred.dormantRollouts(), 1);
  assert.deepEqual(deferred.rollouts().map((r) => r.rollout), ['done', 'live', 'waiting']);
});
}
