import { test } from 'node:test';
import assert from 'node:assert/strict';
import { failingSignals, orderSeries, pointCounts, toPlotData } from './chart-data.js';

test('plot data is sorted by time, in seconds, with gaps kept as null', () => {
  const data = toPlotData({
    signal: 'restarts',
    unit: 'restarts/min',
    threshold: 1,
    points: [
      { t: 120_000, canary: 3, baseline: 0 },
      { t: 60_000, canary: null, baseline: 0 },
      { t: 120_000, canary: null, baseline: 0.5 },
    ],
  });
  assert.deepEqual(data.x, [60, 120]);
  assert.deepEqual(data.canary, [null, 3]);
  assert.deepEqual(data.baseline, [0, 0.5]);
  assert.deepEqual(data.threshold, [1, 1]);
  assert.deepEqual(pointCounts(data), { canary: 1, baseline: 2 });
});

test('no threshold means no threshold line', () => {
  assert.equal(toPlotData({ signal: 'latency', unit: 'ms', points: [{ t: 1, canary: 1, baseline: 1 }] }).threshold, null);
});

test('signals are shown in the order an SRE reads them', () => {
  const order = orderSeries(['zeta', 'latency', 'restarts', 'error_log_rate', 'alpha'].map((signal) => ({ signal, unit: '', points: [] }))).map((s) => s.signal);
  assert.deepEqual(order, ['restarts', 'error_log_rate', 'latency', 'alpha', 'zeta']);
});

test('failing signals are those with critical or fail reasons', () => {
  const failing = failingSignals([
    { signal: 'restarts', severity: 'critical', message: '' },
    { signal: 'latency', severity: 'warn', message: '' },
    { signal: 'error_log_rate', severity: 'fail', message: '' },
    { signal: 'crash_loop', severity: 'critical', message: '' },
  ]);
  assert.deepEqual([...failing].sort(), ['error_log_rate', 'restarts']);
});
