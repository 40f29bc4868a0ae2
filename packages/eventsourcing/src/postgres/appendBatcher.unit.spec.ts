import { describe, expect, it } from 'vitest';
import type { AppendResult, MultiAppendResult, StreamAppend } from '../store/types.js';
import { AppendBatcher } from './appendBatcher.js';

// A controllable transaction runner: every call waits until the test releases it.
function fakeStore() {
  const calls: Array<{ kind: 'one' | 'many'; streams: string[]; release(fail?: Error): void }> = [];
  const result = (streamId: string): AppendResult => ({ nextExpectedVersion: streamId.length, events: [] });
  const call = <T>(kind: 'one' | 'many', appends: StreamAppend[], value: () => T) =>
    new Promise<T>((resolve, reject) => {
      calls.push({
        kind,
        streams: appends.map((a) => a.streamId),
        release: (fail) => (fail ? reject(fail) : resolve(value())),
      });
    });
  return {
    calls,
    runOne: (append: StreamAppend) => call('one', [append], () => result(append.streamId)),
    runMany: (appends: StreamAppend[]) =>
      call<MultiAppendResult>('many', appends, () => ({
        streams: appends.map((a) => result(a.streamId)),
        events: [],
        projected: new Map([['t', new Map([[appends[0]!.streamId, { id: appends[0]!.streamId }]])]]),
      })),
  };
}

const append = (streamId: string): StreamAppend => ({
  streamId,
  events: [{ type: 'E', data: {} }],
  expectedVersion: 1,
});
const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('AppendBatcher (group commit)', () => {
  it('runs an append at once, alone, while fewer transactions than the limit are in flight', async () => {
    const store = fakeStore();
    const batcher = new AppendBatcher({ ...store, maxInFlight: 2 });
    const a = batcher.append(append('a'));
    const b = batcher.append(append('bb'));
    expect(store.calls.map((c) => [c.kind, c.streams])).toEqual([
      ['one', ['a']],
      ['one', ['bb']],
    ]);
    for (const call of store.calls) call.release();
    expect((await a).nextExpectedVersion).toBe(1);
    expect((await b).nextExpectedVersion).toBe(2);
  });

  it('shares one transaction between the appends that waited, one per stream, sorted by stream', async () => {
    const store = fakeStore();
    const batcher = new AppendBatcher({ ...store, maxInFlight: 1 });
    const first = batcher.append(append('x'));
    const waiting = ['c', 'a', 'c', 'b'].map((s) => batcher.append(append(s)));
    store.calls[0]!.release();
    await first;
    await flush();
    expect(store.calls[1]).toMatchObject({ kind: 'many', streams: ['a', 'b', 'c'] });
    store.calls[1]!.release();
    await flush();
    // The second append to "c" waited for the next transaction.
    expect(store.calls[2]).toMatchObject({ kind: 'one', streams: ['c'] });
    store.calls[2]!.release();
    const results = await Promise.all(waiting);
    expect(results.map((r) => r.nextExpectedVersion)).toEqual([1, 1, 1, 1]);
    // Each caller of the shared transaction gets the rows its inline projections wrote.
    expect(results[1]!.projected?.get('t')?.get('a')).toEqual({ id: 'a' });
  });

  it('runs every append of a failed shared transaction again alone, each with its own outcome', async () => {
    const store = fakeStore();
    const batcher = new AppendBatcher({ ...store, maxInFlight: 1 });
    const first = batcher.append(append('x'));
    const ok = batcher.append(append('ok'));
    const stale = batcher.append(append('stale'));
    store.calls[0]!.release();
    await first;
    await flush();
    store.calls[1]!.release(new Error('conflict in one of them'));
    await flush();
    const alone = store.calls.slice(2);
    expect(alone.map((c) => [c.kind, c.streams])).toEqual([
      ['one', ['ok']],
      ['one', ['stale']],
    ]);
    alone[0]!.release();
    alone[1]!.release(new Error('stale expected version'));
    expect((await ok).nextExpectedVersion).toBe(2);
    await expect(stale).rejects.toThrow('stale expected version');
  });

  it('runs the work of appends that waited through `detach`', async () => {
    const store = fakeStore();
    let detached = 0;
    const batcher = new AppendBatcher({
      ...store,
      maxInFlight: 1,
      detach: (work) => {
        detached++;
        return work();
      },
    });
    const first = batcher.append(append('x'));
    const second = batcher.append(append('y'));
    expect(detached).toBe(0);
    store.calls[0]!.release();
    await first;
    await flush();
    store.calls[1]!.release();
    await second;
    expect(detached).toBe(1);
  });
});
