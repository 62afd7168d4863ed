import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Verdict } from '@rollwatch/core';
import { VerdictView } from './verdict-view.js';

function verdict(rollout: string, sequence: number, extra: Partial<Verdict> = {}): string {
  const v: Verdict = { rollout, decision: sequence % 2 === 0 ? 'no-go' : 'go', score: sequence, reasons: [], evaluatedAt: new Date(Date.UTC(2026, 0, 1, 0, sequence)).toISOString(), noGoAt: null, sequence, ...extra };
  return JSON.stringify(v);
}

describe('VerdictView', () => {
  it('keeps the latest verdict per key; an older sequence read later never replaces a newer one', () => {
    const view = new VerdictView(10);
    view.apply('a', verdict('a', 1));
    view.apply('a', verdict('a', 3));
    view.apply('a', verdict('a', 2));
    view.apply('b', verdict('b', 1));
    assert.equal(view.get('a')?.sequence, 3);
    assert.equal(view.get('b')?.sequence, 1);
    assert.equal(view.size, 2);
  });

  it('drops a key on a tombstone and ignores what is not a verdict', () => {
    const view = new VerdictView(10);
    view.apply('a', verdict('a', 1));
    assert.equal(view.apply('a', ''), true);
    assert.equal(view.get('a'), undefined);
    assert.equal(view.knows('a'), false);
    assert.equal(view.apply('x', '{"not":"a verdict"}'), false);
    assert.equal(view.apply('x', 'not json'), false);
    assert.equal(view.size, 0);
  });

  it('is bounded: past the limit the least recently updated key goes first', () => {
    const view = new VerdictView(2);
    view.apply('a', verdict('a', 1));
    view.apply('b', verdict('b', 1));
    view.apply('a', verdict('a', 2));
    view.apply('c', verdict('c', 1));
    assert.deepEqual(['a', 'b', 'c'].map((k) => view.get(k)?.sequence ?? null), [2, null, 1]);
    assert.equal(view.evicted, 1);
    assert.equal(view.knows('b'), false);
  });

  it('resolves an id to its newest revision key (first seen latest), or to itself without revisions', () => {
    const view = new VerdictView(10);
    view.apply('prod/x@r1', verdict('prod/x@r1', 1, { revision: 'r1', evaluatedAt: '2026-01-01T00:00:00.000Z' }));
    view.apply('prod/x@r2', verdict('prod/x@r2', 1, { revision: 'r2', evaluatedAt: '2026-01-01T01:00:00.000Z' }));
    // A later verdict of the older release does not make it the newest.
    view.apply('prod/x@r1', verdict('prod/x@r1', 2, { revision: 'r1', evaluatedAt: '2026-01-01T02:00:00.000Z' }));
    view.apply('plain', verdict('plain', 1));
    assert.equal(view.newestKey('prod/x'), 'prod/x@r2');
    assert.equal(view.idOf('prod/x@r1'), 'prod/x');
    assert.equal(view.newestKey('plain'), 'plain');
    assert.equal(view.newestKey('unknown'), undefined);
  });

  it('holds nothing when disabled (limit 0)', () => {
    const view = new VerdictView(0);
    assert.equal(view.apply('a', verdict('a', 1)), false);
    assert.equal(view.size, 0);
  });

  it('tells listeners each verdict that is news: a new key or a higher sequence, once, whichever way it arrived', () => {
    const view = new VerdictView(10);
    const told: string[] = [];
    const stop = view.onChange((v) => told.push(`${v.rollout}:${v.sequence}`));
    view.record(JSON.parse(verdict('a', 1)) as Verdict);
    view.apply('a', verdict('a', 1)); // the topic's copy of what this replica published: not news
    view.apply('a', verdict('a', 3));
    view.apply('a', verdict('a', 2)); // older, replayed
    view.apply('b', verdict('b', 1));
    stop();
    view.apply('b', verdict('b', 2));
    assert.deepEqual(told, ['a:1', 'a:3', 'b:1']);
    assert.deepEqual([...view.all()].map((v) => `${v.rollout}:${v.sequence}`), ['a:3', 'b:2']);
  });
});
