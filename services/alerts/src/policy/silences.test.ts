import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildSilence, findSilence, parseDuration, silenceActive, silenceInputSchema, type Silence } from './silences.js';

const now = new Date('2030-01-01T12:00:00Z');

function silence(input: Record<string, unknown>): Silence {
  const parsed = silenceInputSchema.parse({ createdBy: 'ana', comment: 'planned chaos test', ...input });
  const built = buildSilence(parsed, 's1', now);
  assert.ok(!('field' in built), JSON.stringify(built));
  return built;
}

describe('silences', () => {
  it('parses durations', () => {
    assert.equal(parseDuration('90s'), 90_000);
    assert.equal(parseDuration('30m'), 1_800_000);
    assert.equal(parseDuration('2h'), 7_200_000);
    assert.equal(parseDuration('1d'), 86_400_000);
    assert.equal(parseDuration('15'), 15_000);
    assert.equal(parseDuration('soon'), undefined);
  });

  it('is active from start until it expires, then not', () => {
    const s = silence({ matchers: { rollout: 'pay-*' }, duration: '30m' });
    assert.equal(s.endsAt, '2030-01-01T12:30:00.000Z');
    assert.equal(silenceActive(s, now), true);
    assert.equal(silenceActive(s, new Date('2030-01-01T12:29:59.999Z')), true);
    assert.equal(silenceActive(s, new Date('2030-01-01T12:30:00.000Z')), false, 'endsAt is exclusive');
    assert.equal(silenceActive({ ...s, expiredAt: now.toISOString() }, now), false, 'DELETE expires it at once');
  });

  it('matches on rollout, service and labels (all given must match)', () => {
    const s = silence({ matchers: { rollout: 'pay-*', labels: { env: 'prod' } }, endsAt: '2030-01-02T00:00:00Z' });
    assert.equal(findSilence([s], { rollout: 'pay-1', labels: { env: 'prod' } }, now)?.id, 's1');
    assert.equal(findSilence([s], { rollout: 'pay-1', labels: { env: 'staging' } }, now), undefined);
    assert.equal(findSilence([s], { rollout: 'pay-1' }, now), undefined);
    assert.equal(findSilence([s], { rollout: 'search-1', labels: { env: 'prod' } }, now), undefined);
    const byService = silence({ matchers: { service: 'checkout' }, duration: 60 });
    assert.equal(findSilence([byService], { rollout: 'x', service: 'checkout' }, now)?.id, 's1');
    assert.equal(findSilence([byService], { rollout: 'x', service: 'checkout' }, new Date(now.getTime() + 61_000)), undefined);
  });

  it('rejects bad input naming the field', () => {
    const issues = (input: Record<string, unknown>) => silenceInputSchema.safeParse({ createdBy: 'ana', comment: 'c', ...input }).error?.issues.map((i) => i.path.join('.'));
    assert.deepEqual(issues({ matchers: {}, duration: '1h' }), ['matchers']);
    assert.deepEqual(issues({ matchers: { rollout: 'a' } }), ['endsAt']);
    assert.deepEqual(issues({ matchers: { rollout: 'a' }, duration: 'soon' }), ['duration']);
    assert.deepEqual(issues({ matchers: { rollout: '/(/' }, duration: '1h' }), ['matchers.rollout']);
    const past = buildSilence(silenceInputSchema.parse({ matchers: { rollout: 'a' }, endsAt: '2029-01-01T00:00:00Z', createdBy: 'a', comment: 'c' }), 'x', now);
    assert.deepEqual(past, { field: 'endsAt', message: 'the silence would already be over' });
  });
});
