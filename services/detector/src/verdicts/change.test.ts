import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Reason } from '@rollwatch/core';
import { anomalyDocuments, anomalyId, significantChange, toVerdict, type UnnumberedVerdict } from './change.js';
import { latchNoGo } from './tracker.js';

const crash: Reason = { signal: 'crash-loop', severity: 'critical', message: 'canary restarted 4 times', canary: 4, baseline: 0 };
const base: UnnumberedVerdict = { rollout: 'r', decision: 'go', score: 90, reasons: [], evaluatedAt: '2026-01-01T00:00:00.000Z', noGoAt: null };

describe('significantChange', () => {
  it('publishes the first verdict, decision changes and cause changes', () => {
    assert.equal(significantChange(undefined, base, 1), true);
    assert.equal(significantChange(base, { ...base, decision: 'no-go' }, 1), true);
    assert.equal(significantChange(base, { ...base, cause: 'environment' }, 1), true);
  });
  it('ignores score jitter below the threshold and new numbers on the same findings', () => {
    assert.equal(significantChange(base, { ...base, score: 90.4, evaluatedAt: '2026-01-01T00:01:00.000Z' }, 1), false);
    assert.equal(significantChange({ ...base, reasons: [crash] }, { ...base, reasons: [{ ...crash, canary: 5, message: 'canary restarted 5 times' }] }, 1), false);
    assert.equal(significantChange(base, { ...base, reasons: [{ signal: 'data', severity: 'info', message: 'more data' }] }, 1), false);
  });
  it('publishes score moves at the threshold, score appearing, and a new failing signal', () => {
    assert.equal(significantChange(base, { ...base, score: 89 }, 1), true);
    assert.equal(significantChange({ ...base, score: null }, base, 1), true);
    assert.equal(significantChange(base, { ...base, reasons: [crash] }, 1), true);
    assert.equal(significantChange({ ...base, reasons: [crash] }, { ...base, reasons: [{ ...crash, severity: 'warn' }] }, 1), true);
  });
});

describe('anomalies', () => {
  it('ids are deterministic per finding, not per number', () => {
    assert.equal(anomalyId('r', crash), anomalyId('r', { ...crash, canary: 9, message: 'x' }));
    assert.notEqual(anomalyId('r', crash), anomalyId('r2', crash));
    assert.notEqual(anomalyId('r', crash), anomalyId('r', { ...crash, attribute: { name: 'kernel', value: '6.8' } }));
  });
  it('only non-info reasons become anomaly documents', () => {
    const verdict = { ...base, decision: 'no-go' as const, sequence: 3, service: 'checkout', reasons: [crash, { signal: 'data', severity: 'info' as const, message: 'ok' }] };
    const docs = anomalyDocuments(verdict, '2026-01-01T00:00:05.000Z');
    assert.equal(docs.length, 1);
    assert.equal(docs[0]!.id, anomalyId('r', crash));
    assert.equal(docs[0]!.sequence, 3);
    assert.equal(docs[0]!.service, 'checkout');
    assert.equal(docs[0]!.time, base.evaluatedAt);
  });
});

describe('toVerdict', () => {
  it('rounds the score and keeps optional fields only when set', () => {
    const v = toVerdict({ rollout: 'r', decision: 'go', score: 87.123456, reasons: [], noGoAt: null, evaluatedAt: base.evaluatedAt }, {});
    assert.equal(v.score, 87.12);
    assert.equal('cause' in v, false);
    assert.equal('labels' in v, false);
    assert.deepEqual(toVerdict({ rollout: 'r', decision: 'go', score: null, reasons: [], noGoAt: null, evaluatedAt: base.evaluatedAt, service: 's' }, { team: 'a' }).labels, { team: 'a' });
  });
});

describe('latchNoGo', () => {
  const noGo = { rollout: 'r', decision: 'no-go' as const, score: 40, sequence: 3, evaluatedAt: '2026-01-01T00:01:00Z', noGoAt: '2026-01-01T00:00:30Z', cause: 'release' as const, reasons: [{ signal: 'oom_kills', severity: 'critical' as const, message: 'canary OOM killed' }] };
  it('keeps a published no-go when a later evaluation says go, with the original reasons and time', () => {
    const next = latchNoGo(noGo, { rollout: 'r', decision: 'go', score: 99, evaluatedAt: '2026-01-01T00:05:00Z', noGoAt: null, reasons: [] });
    assert.equal(next.decision, 'no-go');
    assert.equal(next.noGoAt, noGo.noGoAt);
    assert.equal(next.reasons[0]!.signal, 'oom_kills');
    assert.match(next.reasons.at(-1)!.message, /stays no-go/);
  });
  it('passes everything else through unchanged', () => {
    const pending = { rollout: 'r', decision: 'pending' as const, score: null, evaluatedAt: 'x', noGoAt: null, reasons: [] };
    assert.equal(latchNoGo(undefined, pending), pending);
    assert.equal(latchNoGo({ ...noGo, decision: 'go' }, pending), pending);
    const again = { ...pending, decision: 'no-go' as const };
    assert.equal(latchNoGo(noGo, again), again);
  });
});
