import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Pacer, yieldToEventLoop } from './pacer.js';

/** Busy-waits: the pacer measures wall time, so the test needs work that takes a known time. */
function spin(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

describe('Pacer', () => {
  it('does not yield while the slice has budget left', async () => {
    const pacer = new Pacer(10_000);
    let ioRan = false;
    setImmediate(() => (ioRan = true));
    if (pacer.due()) await pacer.yieldNow();
    assert.equal(ioRan, false, 'no macrotask turn was taken');
  });

  it('yields once the slice is used up, letting queued callbacks run, then starts a new slice', async () => {
    const pacer = new Pacer(5);
    let ioRan = false;
    setImmediate(() => (ioRan = true));
    spin(6);
    assert.equal(pacer.due(), true);
    if (pacer.due()) await pacer.yieldNow();
    assert.equal(ioRan, true, 'the queued callback ran before the loop went on');
    assert.equal(pacer.due(), false, 'a new slice started');
  });

  it('interleaves two paced loops with timers instead of running one to the end', async () => {
    const order: string[] = [];
    const loop = async (name: string) => {
      const pacer = new Pacer(2);
      for (let i = 0; i < 3; i++) {
        spin(3);
        order.push(name);
        if (pacer.due()) await pacer.yieldNow();
      }
    };
    await Promise.all([loop('a'), loop('b')]);
    assert.deepEqual(order, ['a', 'b', 'a', 'b', 'a', 'b']);
  });

  it('yieldToEventLoop resolves after already-queued immediates', async () => {
    const seen: number[] = [];
    setImmediate(() => seen.push(1));
    await yieldToEventLoop();
    assert.deepEqual(seen, [1]);
  });
});
