import { describe, expect, it } from 'vitest';
import { DeadlineLimiter } from './deadlineLimiter.js';

/** Work that finishes when the test says so. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, work: () => opened.then(() => 'done') };
}

const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'ok',
    (error: { code?: string; details?: { reason?: string } }) => `${error.code}:${error.details?.reason}`,
  );

describe('DeadlineLimiter', () => {
  it('runs at most maxConcurrent at once and refuses beyond the queue at once', async () => {
    const limiter = new DeadlineLimiter({ maxConcurrent: 2, maxQueued: 1 });
    const gates = [gate(), gate(), gate()];
    let running = 0;
    let peak = 0;
    const track = (g: ReturnType<typeof gate>) => async () => {
      running++;
      peak = Math.max(peak, running);
      try {
        return await g.work();
      } finally {
        running--;
      }
    };
    const first = limiter.run(track(gates[0]!));
    const second = limiter.run(track(gates[1]!));
    const queued = limiter.run(track(gates[2]!));
    expect(await codeOf(limiter.run(async () => 'never'))).toBe('UNAVAILABLE:password_hashing_busy');
    for (const g of gates) g.open();
    expect(await Promise.all([first, second, queued])).toEqual(['done', 'done', 'done']);
    expect(peak).toBe(2);
    expect(limiter.stats).toEqual({ started: 3, refusedBusy: 1, refusedExpired: 0 });
  });

  it('starts nothing for a caller whose deadline has passed', async () => {
    let deadline = Date.now() - 1;
    let started = 0;
    const limiter = new DeadlineLimiter({ maxConcurrent: 1, maxQueued: 10, deadline: () => deadline });
    expect(await codeOf(limiter.run(async () => started++))).toBe('UNAVAILABLE:deadline_passed');
    deadline = Date.now() + 60_000;
    await limiter.run(async () => started++);
    expect(started).toBe(1);
    expect(limiter.stats.refusedExpired).toBe(1);
  });

  it('refuses a queued caller before its deadline instead of hashing late', async () => {
    const deadlines: Array<number | undefined> = [undefined];
    const limiter = new DeadlineLimiter({
      maxConcurrent: 1,
      maxQueued: 10,
      deadline: () => deadlines.shift(),
    });
    const blocker = gate();
    const running = limiter.run(blocker.work);
    // Room for a few average hashes (200 ms at first): queued, then refused while still waiting.
    deadlines.push(Date.now() + 1_200);
    const waiting = limiter.run(async () => 'late');
    const outcome = await codeOf(waiting);
    blocker.open();
    await running;
    expect(outcome).toBe('UNAVAILABLE:password_hashing_busy');
    expect(limiter.stats.started).toBe(1);
  });

  it('refuses at once when the queue ahead cannot finish before the deadline', async () => {
    const deadlines: Array<number | undefined> = [undefined, undefined];
    const limiter = new DeadlineLimiter({
      maxConcurrent: 1,
      maxQueued: 10,
      deadline: () => deadlines.shift(),
    });
    const blocker = gate();
    const running = limiter.run(blocker.work);
    const queuedWithoutDeadline = limiter.run(async () => 'queued');
    deadlines.push(Date.now() + 60);
    let ran = false;
    const refused = limiter.run(async () => {
      ran = true;
    });
    // Refused while the blocker still runs: the answer does not wait for the queue.
    expect(await codeOf(refused)).toBe('UNAVAILABLE:password_hashing_busy');
    blocker.open();
    expect(await Promise.all([running, queuedWithoutDeadline])).toEqual(['done', 'queued']);
    expect(ran).toBe(false);
  });
});
