import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createEngine } from '../engine.js';
import { steady } from '../test-helpers.js';
import { containerdFloor } from './inventory.js';
import { compareVersions, versionAtLeast } from './versions.js';

const base = { kernel: '5.15.0-91-generic', engineVersion: '24.0.7', containerdVersion: '1.6.24', runcVersion: '1.1.12', storageDriver: 'overlay2', cgroupVersion: '2' };

function warnings(attrs: (id: string) => Record<string, string>): string[] {
  const engine = createEngine();
  engine.ingest(steady({ minutes: 2, hostAttributes: attrs }));
  return engine.evaluate('r1').reasons.filter((r) => r.signal === 'host_inventory' && r.severity === 'warn').map((r) => r.message);
}

test('a uniform, current fleet has no inventory warnings', () => {
  assert.deepEqual(warnings(() => base), []);
});

test('overlay2 on a kernel older than 4.0 and deprecated drivers are flagged', () => {
  const w = warnings((id) => (id === 'b1' ? { ...base, kernel: '3.10.0-327.el7', storageDriver: 'overlay2' } : id === 'b2' ? { ...base, storageDriver: 'devicemapper' } : base));
  assert.ok(w.some((m) => /overlay2 needs kernel >= 4.0 but host node-b1 runs 3.10.0-327.el7/.test(m)), w.join('\n'));
  assert.ok(w.some((m) => /storage driver devicemapper is deprecated/.test(m)));
});

test('containerd too old for the engine, runc with the 2024 escape, version skew', () => {
  const w = warnings((id) => (id === 'c1' ? { ...base, engineVersion: '26.1.0', containerdVersion: '1.6.24', runcVersion: '1.1.11' } : base));
  assert.ok(w.some((m) => /containerd 1.6.24 is too old for Docker engine 26.1.0 \(needs >= 1.7.0\)/.test(m)), w.join('\n'));
  assert.ok(w.some((m) => /runc 1.1.11 on host node-c1 is older than 1.1.12 \(CVE-2024-21626/.test(m)));
  assert.ok(w.some((m) => /version skew: engineVersion differs across instances: 26.1.0 \(1\), 24.0.7 \(8\)/.test(m)));
});

test('canary and baseline on disjoint environments is a mixed-environment warning', () => {
  const w = warnings((id) => ({ ...base, kernel: id.startsWith('c') ? '6.8.0-31-generic' : '5.15.0-91-generic' }));
  assert.ok(w.some((m) => /mixed environment: canary runs on kernel 6.8.0-31-generic but baseline on 5.15.0-91-generic/.test(m)), w.join('\n'));
});

test('version helpers', () => {
  assert.ok(compareVersions('4.4.0-103-generic', '4.4.0-98-generic') > 0);
  assert.ok(compareVersions('v1.7.2', '1.7.10') < 0);
  assert.ok(versionAtLeast('4.4.0-98-generic', '4.0'));
  assert.ok(!versionAtLeast('3.10.0-1160.el7', '4.0'));
  assert.equal(containerdFloor('24.0.7', { '20.10': '1.4.0', '23.0': '1.6.0', '26.0': '1.7.0' }), '1.6.0');
  assert.equal(containerdFloor('19.03.1', { '20.10': '1.4.0' }), undefined);
});
