import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyMetric, KAYENTA_DEFAULTS, KayentaStyleJudge } from './kayenta.js';
import { T0, traffic } from './testing.js';

// Deterministic "noise" so the samples have no ties.
const wobble = (m: number, salt: number): number => ((m * 7919 + salt * 104729) % 97) / 97;

test('kayenta-style: classifier passes equal series and flags a significant increase only', () => {
  const base = Array.from({ length: 10 }, (_, i) => 100 + wobble(i, 1) * 10);
  const same = Array.from({ length: 10 }, (_, i) => 100 + wobble(i, 2) * 10);
  const higher = base.map((v) => v + 50);
  const lower = base.map((v) => v - 50);
  assert.equal(classifyMetric(same, base), 'pass');
  assert.equal(classifyMetric(higher, base), 'high');
  assert.equal(classifyMetric(lower, base), 'pass');
  assert.equal(classifyMetric([], base), 'nodata');
  // Significant but within an allowed increase of 2x: passes.
  assert.equal(classifyMetric(higher, base, { ...KAYENTA_DEFAULTS, allowedIncrease: 2 }), 'pass');
});

test('kayenta-style: analyses run every 5 min over data since the start; one high metric fails the canary', () => {
  const baseline = traffic('baseline', 'b1', 20, (m) => ({ requests: 600, errors: 3 + wobble(m, 3), latencyMs: 100 + 10 * wobble(m, 4) }));
  const good = traffic('canary', 'c1', 20, (m) => ({ requests: 600, errors: 3 + wobble(m, 5), latencyMs: 100 + 10 * wobble(m, 6) }));
  const judge = new KayentaStyleJudge();
  const ok = judge.judge([...baseline, ...good]);
  assert.equal(ok.flagged, false);
  assert.equal(ok.checks, 4);

  // Latency doubles from minute 5: the analysis at minute 10 has 5 high points out of 10, the one at
  // 15 has 10 of 15; whichever first reaches 98% confidence fails (score 50 < marginal 75).
  const slow = traffic('canary', 'c1', 20, (m) => ({ requests: 600, errors: 3 + wobble(m, 5), latencyMs: (m >= 5 ? 200 : 100) + 10 * wobble(m, 6) }));
  const v = judge.judge([...baseline, ...slow]);
  assert.equal(v.flagged, true);
  assert.ok(v.detectedAtMs === T0 + 10 * 60_000 || v.detectedAtMs === T0 + 15 * 60_000, String(v.detectedAtMs));
  assert.match(v.reason, /latency high/);
});

test('kayenta-style: a canary with no metrics is not scored (NaN strategy remove)', () => {
  const baseline = traffic('baseline', 'b1', 10, () => ({ requests: 600, errors: 1, latencyMs: 100 }));
  const v = new KayentaStyleJudge().judge(baseline);
  assert.equal(v.flagged, false);
  assert.match(v.reason, /no data/);
});
