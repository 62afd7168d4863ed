import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RollwatchEvent } from '@rollwatch/core';
import { AbuseCaps, LimitExceededError } from './abuse-caps.js';

const event = (rollout: string, instance: string, extra: Partial<RollwatchEvent> = {}): RollwatchEvent =>
  ({ id: `${rollout}-${instance}-${Math.random()}`, time: '2026-01-01T00:00:00Z', rollout, group: 'canary', instance, type: 'container_start', ...extra }) as RollwatchEvent;

function refusal(fn: () => void): LimitExceededError {
  try {
    fn();
  } catch (error) {
    if (error instanceof LimitExceededError) return error;
    throw error;
  }
  assert.fail('expected a LimitExceededError');
}

describe('AbuseCaps', () => {
  const limits = { maxInstancesPerRollout: 3, maxHostsPerRollout: 2, maxAttributeValuesPerRollout: 2, maxNewRolloutsPerMinute: 2 };

  it('instances, hosts and attribute values per rollout: over the cap refuses the whole request, naming the setting', () => {
    const caps = new AbuseCaps(limits);
    caps.admit([event('r', 'a'), event('r', 'b')], 'c1');
    caps.admit([event('r', 'a'), event('r', 'b'), event('r', 'c')], 'c1'); // known ones do not count twice
    const e = refusal(() => caps.admit([event('r', 'd')], 'c1'));
    assert.equal(e.limit, 'INGEST_MAX_INSTANCES_PER_ROLLOUT');
    assert.match(e.message, /rollout "r" would have 4 instances \(limit 3\)/);
    const hosts = refusal(() => caps.admit([event('r', 'a', { host: 'h1' }), event('r', 'a', { host: 'h2' }), event('r', 'b', { host: 'h3' })], 'c1'));
    assert.equal(hosts.limit, 'INGEST_MAX_HOSTS_PER_ROLLOUT');
    const attrs = refusal(() => caps.admit([event('r', 'a', { hostAttributes: { kernel: '1', os: 'x', runtime: 'y' } })], 'c1'));
    assert.equal(attrs.limit, 'INGEST_MAX_ATTRIBUTE_VALUES_PER_ROLLOUT');
    caps.admit([event('r', 'c', { host: 'h1', hostAttributes: { kernel: '1' } })], 'c1'); // refused requests recorded nothing
  });

  it('new rollout ids per client per minute, with Retry-After until the window ends', () => {
    let now = 1_000_000;
    const caps = new AbuseCaps(limits, () => now);
    caps.admit([event('r1', 'a'), event('r2', 'a')], 'c1');
    caps.admit([event('r1', 'b')], 'c1'); // not new
    const e = refusal(() => caps.admit([event('r3', 'a')], 'c1'));
    assert.equal(e.limit, 'INGEST_MAX_NEW_ROLLOUTS_PER_MINUTE');
    assert.equal(e.retryAfterSeconds, 60);
    caps.admit([event('r3', 'a')], 'c2'); // another client has its own budget
    now += 30_000;
    assert.equal(refusal(() => caps.admit([event('r4', 'a')], 'c1')).retryAfterSeconds, 30);
    now += 30_001;
    caps.admit([event('r4', 'a')], 'c1');
  });

  it('0 disables a cap', () => {
    const caps = new AbuseCaps({ maxInstancesPerRollout: 0, maxHostsPerRollout: 0, maxAttributeValuesPerRollout: 0, maxNewRolloutsPerMinute: 0 });
    caps.admit(Array.from({ length: 5000 }, (_, i) => event(`r${i}`, `i${i}`, { host: `h${i}` })), 'c');
  });
});
