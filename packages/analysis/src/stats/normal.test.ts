import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalCdf, normalQuantile, normalUpperTail } from './normal.js';

const close = (actual: number, expected: number, rel = 1e-6): void =>
  assert.ok(Math.abs(actual - expected) <= rel * Math.abs(expected), `${actual} != ${expected}`);

// Reference values: scipy.stats.norm.sf / norm.ppf (scipy 1.17).
test('normal upper tail is accurate relative to the value far into the tail', () => {
  close(normalUpperTail(3.5), 0.00023262907903552502);
  close(normalUpperTail(6), 9.865876450376946e-10);
  close(normalUpperTail(-1.2), 0.8849303297782918);
  close(normalCdf(0), 0.5);
});

test('normal quantile inverts the cdf', () => {
  close(normalQuantile(0.99), 2.3263478740408408);
  close(normalQuantile(1e-6), -4.753424308822899);
  close(normalQuantile(0.3), -0.5244005127080409);
  assert.equal(normalQuantile(0), -Infinity);
  assert.throws(() => normalQuantile(1.5), RangeError);
});
