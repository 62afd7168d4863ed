import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseEvent, type RollwatchEvent } from '@rollwatch/core';
import { analyzeEventsSync, createEngine, restoreEngine } from './index.js';

// Producers choose instance names, versions, hosts, attribute names and labels. Names that collide
// with Object.prototype members must be plain keys, never crash the engine or share state.
const T0 = Date.now() - 10 * 60_000;
const HOSTILE = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'prototype'];

function events(): RollwatchEvent[] {
  const out: RollwatchEvent[] = [];
  const t0 = T0;
  HOSTILE.forEach((name, i) => {
    for (const [group, offset] of [['canary', 0], ['baseline', 1]] as const) {
      const base = { rollout: 'hostile', group, instance: `${name}${offset ? '' : ''}`.padEnd(name.length + offset, '_'), host: name, version: name, service: name, hostAttributes: { kernel: name, [name]: name }, labels: { batch: name, [name]: name } };
      for (let k = 0; k < 5; k++) {
        const time = t0 + (i * 5 + k) * 10_000;
        for (const input of [
          { ...base, time, type: 'container_start' },
          { ...base, time: time + 1, type: group === 'canary' ? 'oom_killed' : 'health_check_passed', exitCode: 137 },
          { ...base, time: time + 2, type: 'log', level: 'error', message: `${name} failed at ${k}` },
          { ...base, time: time + 3, type: 'metric', metric: 'http_requests_total', value: 10 },
        ]) {
          const parsed = parseEvent(input);
          assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.errors));
          out.push(parsed.event);
        }
      }
    }
  });
  return out;
}

test('instance, host, version and attribute names like "constructor" or "__proto__" are plain keys', () => {
  const engine = createEngine();
  engine.ingest(events());
  const verdict = engine.evaluate('hostile');
  assert.equal(verdict.decision, 'no-go');
  const summary = engine.rollouts().find((r) => r.rollout === 'hostile')!;
  assert.equal(summary.instances.canary + summary.instances.baseline, HOSTILE.length * 2);
  assert.ok(engine.hostInventory('hostile').some((row) => row.value === '__proto__'));
  engine.series('hostile');
  engine.evaluateBatch('hostile', 0);
  const restored = restoreEngine(JSON.parse(JSON.stringify(engine.snapshot())));
  assert.equal(restored.evaluate('hostile').decision, 'no-go');
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('replay of hostile names is deterministic', () => {
  const a = analyzeEventsSync(events());
  const b = analyzeEventsSync(events().reverse());
  assert.deepEqual(a, b);
});
