import { describe, expect, it } from 'vitest';
import { LookupBatcher } from './lookupBatcher.js';

// A controllable reader: every read waits until the test answers it.
function fakeReader() {
  const reads: Array<{ keys: string[]; answer(fail?: Error): void }> = [];
  const load = (keys: string[]) =>
    new Promise<Map<string, number>>((resolve, reject) => {
      reads.push({
        keys,
        answer: (fail) =>
          fail
            ? reject(fail)
            : resolve(new Map(keys.filter((k) => k !== 'missing').map((k) => [k, k.length]))),
      });
    });
  return { reads, load };
}
const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('LookupBatcher', () => {
  it('reads at once, alone, while fewer reads than the limit are in flight', async () => {
    const reader = fakeReader();
    const lookups = new LookupBatcher({ load: reader.load, maxInFlight: 2 });
    const a = lookups.get('a');
    const bb = lookups.get('bb');
    expect(reader.reads.map((r) => r.keys)).toEqual([['a'], ['bb']]);
    for (const read of reader.reads) read.answer();
    expect([await a, await bb]).toEqual([1, 2]);
  });

  it('gives the lookups that waited one read, each key once, each caller its own answer', async () => {
    const reader = fakeReader();
    const lookups = new LookupBatcher({ load: reader.load, maxInFlight: 1 });
    const first = lookups.get('x');
    const waiting = ['ccc', 'a', 'ccc', 'missing'].map((k) => lookups.get(k));
    expect(reader.reads).toHaveLength(1);
    reader.reads[0]!.answer();
    await first;
    await flush();
    expect(reader.reads[1]!.keys).toEqual(['ccc', 'a', 'missing']);
    reader.reads[1]!.answer();
    expect(await Promise.all(waiting)).toEqual([3, 1, 3, undefined]);
  });

  it('caps a read at maxBatch lookups; the rest take the next read', async () => {
    const reader = fakeReader();
    const lookups = new LookupBatcher({ load: reader.load, maxInFlight: 1, maxBatch: 2 });
    const all = ['x', 'a', 'b', 'c'].map((k) => lookups.get(k));
    reader.reads[0]!.answer();
    await flush();
    expect(reader.reads[1]!.keys).toEqual(['a', 'b']);
    reader.reads[1]!.answer();
    await flush();
    expect(reader.reads[2]!.keys).toEqual(['c']);
    reader.reads[2]!.answer();
    expect(await Promise.all(all)).toEqual([1, 1, 1, 1]);
  });

  it('fails every lookup of a failed read, and the next lookups read again', async () => {
    const reader = fakeReader();
    const lookups = new LookupBatcher({ load: reader.load, maxInFlight: 1 });
    const first = lookups.get('x');
    reader.reads[0]!.answer(new Error('connection terminated'));
    await expect(first).rejects.toThrow('connection terminated');
    const again = lookups.get('yy');
    reader.reads[1]!.answer();
    expect(await again).toBe(2);
  });
});
