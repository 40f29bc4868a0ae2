import { describe, expect, it } from 'vitest';
import { KeyedQueue } from './keyedQueue.js';

/** A task the test finishes by hand, recording when it started. */
function gate(log: string[], name: string) {
  let open!: () => void;
  const done = new Promise<void>((resolve) => {
    open = resolve;
  });
  return {
    task: async () => {
      log.push(`start ${name}`);
      await done;
      log.push(`end ${name}`);
    },
    open: () => open(),
  };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('KeyedQueue', () => {
  it('runs one key in order, one at a time, and other keys beside it', async () => {
    const log: string[] = [];
    const queue = new KeyedQueue(4);
    const a1 = gate(log, 'a1');
    const a2 = gate(log, 'a2');
    const b1 = gate(log, 'b1');
    queue.push('a', a1.task);
    queue.push('a', a2.task);
    queue.push('b', b1.task);
    await turn();
    expect(log).toEqual(['start a1', 'start b1']);
    a1.open();
    await turn();
    expect(log).toEqual(['start a1', 'start b1', 'end a1', 'start a2']);
    a2.open();
    b1.open();
    await queue.idle();
    expect(queue.size).toBe(0);
  });

  it('gives slots only to running tasks: a key waiting on its own head does not block others', async () => {
    const log: string[] = [];
    const queue = new KeyedQueue(2);
    const gates = ['a1', 'a2', 'a3', 'b1', 'c1'].map((name) => ({ name, ...gate(log, name) }));
    for (const g of gates) queue.push(g.name[0] as string, g.task);
    await turn();
    // a2 and a3 wait behind a1 without taking the second slot: b1 has it, c1 waits for a slot.
    expect(log).toEqual(['start a1', 'start b1']);
    gates.find((g) => g.name === 'b1')?.open();
    await turn();
    expect(log).toContain('start c1');
    for (const g of gates) g.open();
    await queue.idle();
    expect(log.filter((line) => line.startsWith('start a'))).toEqual(['start a1', 'start a2', 'start a3']);
  });

  it('keeps going after a task that rejects, and holds the producer back with room()', async () => {
    const queue = new KeyedQueue(1);
    const ran: string[] = [];
    queue.push('a', async () => {
      throw new Error('boom');
    });
    queue.push('a', async () => {
      ran.push('a2');
    });
    let roomy = false;
    const room = queue.room(1).then(() => {
      roomy = true;
    });
    expect(roomy).toBe(false);
    await room;
    await queue.idle();
    expect(ran).toEqual(['a2']);
    expect(() => new KeyedQueue(0)).toThrow(RangeError);
  });
});
