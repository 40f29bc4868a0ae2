import { describe, expect, it } from 'vitest';
import { limiter } from './limiter.js';

describe('limiter', () => {
  it('runs at most max tasks at once, in arrival order, and survives failures', async () => {
    const limit = limiter(2);
    let active = 0;
    let peak = 0;
    const order: number[] = [];
    const gates: Array<() => void> = [];
    const task = (n: number, fail = false) =>
      limit(async () => {
        active++;
        peak = Math.max(peak, active);
        order.push(n);
        await new Promise<void>((resolve) => gates.push(resolve));
        active--;
        if (fail) throw new Error(`task ${n}`);
        return n;
      });
    const results = [task(1, true), task(2), task(3), task(4)].map((p) => p.catch((e: Error) => e.message));
    // Release whichever tasks are running until all are done.
    while (order.length < 4 || gates.length > 0) {
      await new Promise((r) => setImmediate(r));
      gates.shift()?.();
    }
    expect(await Promise.all(results)).toEqual(['task 1', 2, 3, 4]);
    expect(peak).toBe(2);
    expect(order).toEqual([1, 2, 3, 4]);
  });
});
