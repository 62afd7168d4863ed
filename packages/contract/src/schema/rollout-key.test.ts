import assert from 'node:assert/strict';
import test from 'node:test';
import { rolloutKey, splitRolloutKey } from './rollout-key.js';

test('a rollout key joins id and revision and splits back at the last @', () => {
  assert.equal(rolloutKey('prod/checkout', '5b4a3c2d1'), 'prod/checkout@5b4a3c2d1');
  assert.equal(rolloutKey('prod/checkout'), 'prod/checkout');
  assert.deepEqual(splitRolloutKey('eu-1/prod/checkout@5b4a3c2d1'), { rollout: 'eu-1/prod/checkout', revision: '5b4a3c2d1' });
  assert.deepEqual(splitRolloutKey('prod/checkout'), { rollout: 'prod/checkout' });
  assert.deepEqual(splitRolloutKey('@x'), { rollout: '@x' });
  assert.deepEqual(splitRolloutKey('x@'), { rollout: 'x@' });
});
