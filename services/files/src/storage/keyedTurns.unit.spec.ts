import { describe, expect, it } from 'vitest';
import { KeyedTurns, type Outcome } from './keyedTurns.js';

/** A turn runner whose turns end, with their outcomes, when the test says so. */
function heldTurns() {
  const turns: Array<{
    key: string;
    items: number[];
    finish(outcomes: Array<Outcome<string>> | Error): void;
  }> = [];
  const keyed = new KeyedTurns<string, number, string>(
    (key, items) =>
      new Promise((resolve, reject) => {
        turns.push({
          key,
          items,
          finish: (o) => (o instanceof Error ? reject(o) : resolve({ outcomes: Promise.resolve(o) })),
        });
      }),
    3,
  );
  return { keyed, turns };
}
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('KeyedTurns', () => {
  it('runs one turn per key at a time; what arrives meanwhile goes together next, other keys alongside', async () => {
    const { keyed, turns } = heldTurns();
    const first = keyed.submit('a', 1);
    const queued = Promise.allSettled([2, 3, 4, 5].map((n) => keyed.submit('a', n)));
    const other = keyed.submit('b', 9);
    await settle();
    expect(turns.map((t) => [t.key, t.items])).toEqual([
      ['a', [1]],
      ['b', [9]],
    ]);
    turns[0]!.finish([{ value: 'one' }]);
    await settle();
    expect(turns[2]).toMatchObject({ key: 'a', items: [2, 3, 4] }); // at most 3 per turn
    turns[2]!.finish([{ value: 'two' }, { error: new Error('refused') }, { value: 'four' }]);
    await settle();
    expect(turns[3]).toMatchObject({ key: 'a', items: [5] });
    turns[3]!.finish(new Error('database down'));
    turns[1]!.finish([{ value: 'nine' }]);
    await expect(first).resolves.toBe('one');
    const settled = await queued;
    expect(settled.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([
      'two',
      'refused',
      'four',
      'database down',
    ]);
    await expect(other).resolves.toBe('nine');
  });

  it('starts afresh for a key whose turns have all ended, even after a failed one', async () => {
    const { keyed, turns } = heldTurns();
    const failed = keyed.submit('a', 1);
    await settle();
    turns[0]!.finish(new Error('down'));
    await expect(failed).rejects.toThrow('down');
    const next = keyed.submit('a', 2);
    await settle();
    expect(turns[1]).toMatchObject({ key: 'a', items: [2] });
    turns[1]!.finish([{ value: 'two' }]);
    await expect(next).resolves.toBe('two');
  });

  it('starts the next turn when a turn is over, before its outcomes settle; each item gets its own', async () => {
    const turns: Array<{
      items: number[];
      end(): void;
      settle(outcomes: Array<Outcome<string>> | Error): void;
    }> = [];
    const keyed = new KeyedTurns<string, number, string>(
      (_, items) =>
        new Promise((endTurn) => {
          let settle!: (outcomes: Array<Outcome<string>> | Error) => void;
          const outcomes = new Promise<Array<Outcome<string>>>((resolve, reject) => {
            settle = (o) => (o instanceof Error ? reject(o) : resolve(o));
          });
          turns.push({ items, end: () => endTurn({ outcomes }), settle });
        }),
    );
    const first = keyed.submit('a', 1);
    const second = keyed.submit('a', 2);
    const third = keyed.submit('a', 3);
    await settle();
    expect(turns.map((t) => t.items)).toEqual([[1]]);
    turns[0]!.end(); // over, its outcomes not in yet: the two that waited have their turn
    await settle();
    expect(turns.map((t) => t.items)).toEqual([[1], [2, 3]]);
    turns[1]!.end();
    turns[1]!.settle([{ value: 'two' }, { error: new Error('refused') }]);
    await expect(second).resolves.toBe('two');
    await expect(third).rejects.toThrow('refused');
    turns[0]!.settle(new Error('conflict'));
    await expect(first).rejects.toThrow('conflict');
  });
});
