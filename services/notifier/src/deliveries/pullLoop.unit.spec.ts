import type { ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import { describe, expect, it } from 'vitest';
import { PullLoop, SHUTDOWN_NAK_DELAY_MS } from './pullLoop.js';

/** A fake message that records how it was settled. */
const message = (n: number) => {
  const settled: string[] = [];
  const msg = {
    seq: n,
    ack: () => settled.push('ack'),
    nak: (delay?: number) => settled.push(`nak ${delay}`),
  } as unknown as JsMsg;
  return { msg, settled };
};

/** A fake consumer: each fetch yields what the test pushes, up to `max_messages`, until closed. */
function fakeConsumer() {
  const queue: JsMsg[] = [];
  const fetches: number[] = [];
  let wake: (() => void) | undefined;
  const push = (...msgs: JsMsg[]) => {
    queue.push(...msgs);
    wake?.();
  };
  const consumer = {
    async fetch(opts: { max_messages: number }) {
      fetches.push(opts.max_messages);
      let closed = false;
      let left = opts.max_messages;
      // After close(), messages already on their way (queued) are still yielded, as with a real fetch.
      const iterator = {
        async *[Symbol.asyncIterator]() {
          while (left > 0) {
            const next = queue.shift();
            if (next) {
              left--;
              yield next;
            } else if (closed) return;
            else await new Promise<void>((resolve) => (wake = resolve));
          }
        },
        close: async () => {
          closed = true;
          wake?.();
        },
      };
      return iterator as unknown as ConsumerMessages;
    },
  };
  return { consumer, push, fetches };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('PullLoop', () => {
  it('handles at most `concurrency` messages at once and fetches only free slots', async () => {
    const { consumer, push, fetches } = fakeConsumer();
    const release: Array<() => void> = [];
    let active = 0;
    let peak = 0;
    const loop = new PullLoop(consumer, {
      concurrency: 3,
      onError: () => undefined,
      handle: async () => {
        active++;
        peak = Math.max(peak, active);
        await new Promise<void>((resolve) => release.push(resolve));
        active--;
      },
    });
    loop.start();
    push(...Array.from({ length: 7 }, (_, n) => message(n).msg));
    for (let i = 0; i < 50 && release.length < 3; i++) await tick();
    expect(active).toBe(3);
    expect(fetches).toEqual([3]);
    while (release.length > 0 || active > 0) {
      release.shift()?.();
      await tick();
    }
    for (let i = 0; i < 20; i++) await tick();
    expect(peak).toBe(3);
    expect(fetches.every((n) => n >= 1 && n <= 3)).toBe(true);
    const stopped = loop.stop();
    await stopped;
  });

  it('on stop, naks what arrives unstarted (to come back soon) and waits for the messages in flight', async () => {
    const { consumer, push } = fakeConsumer();
    let finish: (() => void) | undefined;
    let finished = false;
    const loop = new PullLoop(consumer, {
      concurrency: 2,
      onError: () => undefined,
      handle: async () => {
        await new Promise<void>((resolve) => (finish = resolve));
        finished = true;
      },
    });
    loop.start();
    const first = message(1);
    push(first.msg);
    for (let i = 0; i < 50 && !finish; i++) await tick();
    expect(finish).toBeDefined();
    // The fetch for the second slot is open: stop, and a message that still arrives is handed back.
    const late = message(2);
    const stopped = loop.stop();
    push(late.msg);
    let done = false;
    void stopped.then(() => (done = true));
    for (let i = 0; i < 20; i++) await tick();
    expect(done).toBe(false); // the first message is still being handled
    finish?.();
    await stopped;
    expect(finished).toBe(true);
    expect(late.settled).toEqual([`nak ${SHUTDOWN_NAK_DELAY_MS}`]);
  });
});
