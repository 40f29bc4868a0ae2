import { describe, expect, it } from 'vitest';
import { DispatchLanes } from './dispatchLanes.js';

/** A promise the test resolves by hand. */
const latch = () => {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
};

describe('DispatchLanes', () => {
  it('runs two lanes at once and one lane in order', async () => {
    const lanes = new DispatchLanes(3);
    const log: string[] = [];
    const a1 = latch();
    const b1Started = latch();
    await lanes.submit('a', async () => {
      log.push('a1 start');
      await a1.opened;
      log.push('a1 end');
    });
    await lanes.submit('a', async () => {
      log.push('a2');
    });
    const admitted = lanes.submit('b', async () => {
      log.push('b1');
      b1Started.open();
    });
    await b1Started.opened; // b runs although a1 has not finished
    expect(log).toEqual(['a1 start', 'b1']);
    a1.open();
    await admitted;
    await lanes.drain();
    expect(log).toEqual(['a1 start', 'b1', 'a1 end', 'a2']);
  });

  it('admits no more than `concurrency` unfinished pieces, and a failure does not stop its lane', async () => {
    const lanes = new DispatchLanes(1);
    const first = latch();
    const log: string[] = [];
    let admitted = false;
    const submitted = lanes
      .submit('a', async () => {
        await first.opened;
        throw new Error('boom');
      })
      .then(() => {
        admitted = true;
      });
    await new Promise((resolve) => setImmediate(resolve)); // every pending microtask has run
    expect(admitted).toBe(false);
    first.open();
    await submitted;
    await lanes.submit('a', async () => {
      log.push('after the failure');
    });
    await lanes.drain();
    expect(log).toEqual(['after the failure']);
  });
});
