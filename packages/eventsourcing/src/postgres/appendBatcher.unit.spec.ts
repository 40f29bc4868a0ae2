import { describe, expect, it } from 'vitest';
import type { AppendResult, MultiAppendResult, StreamAppend } from '../store/types.js';
import { AppendBatcher } from './appendBatcher.js';

// A controllable transaction runner: every call waits until the test releases it.
function fakeStore() {
  const calls: Array<{ streams: string[]; release(fail?: Error): void }> = [];
  const result = (streamId: string): AppendResult => ({
    nextExpectedVersion: streamId.length,
    events: [{ streamId } as AppendResult['events'][number]],
  });
  const run = (appends: StreamAppend[]) =>
    new Promise<MultiAppendResult>((resolve, reject) => {
      calls.push({
        streams: appends.map((a) => a.streamId),
        release: (fail) =>
          fail
            ? reject(fail)
            : resolve({
                streams: appends.map((a) => result(a.streamId)),
                events: [],
                projected: new Map([['t', new Map(appends.map((a) => [a.streamId, { id: a.streamId }]))]]),
              }),
      });
    });
  return { calls, run };
}

const append = (streamId: string): StreamAppend => ({
  streamId,
  events: [{ type: 'E', data: {} }],
  expectedVersion: 1,
});
const command = (...streams: string[]) => streams.map(append);
const versions = (result: MultiAppendResult) => result.streams.map((s) => s.nextExpectedVersion);
const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('AppendBatcher (group commit)', () => {
  it('runs a command at once, alone, while fewer transactions than the limit are in flight', async () => {
    const store = fakeStore();
    const batcher = new AppendBatcher({ ...store, maxInFlight: 2 });
    const a = batcher.append(command('a'));
    const b = batcher.append(command('bb', 'c'));
    expect(store.calls.map((c) => c.streams)).toEqual([['a'], ['bb', 'c']]);
    for (const call of store.calls) call.release();
    expect(versions(await a)).toEqual([1]);
    expect(versions(await b)).toEqual([2, 1]);
  });

  it('holds an append to a stream a running transaction appends to, and whatever comes after it on its streams', async () => {
    const store = fakeStore();
    const batcher = new AppendBatcher({ ...store, maxInFlight: 3 });
    const first = batcher.append(command('s', 'u1'));
    // Counts on the first (its expected version follows it): not in a parallel transaction.
    const next = batcher.append(command('s', 'u2'));
    const behindNext = batcher.append(command('u2', 'v'));
    const other = batcher.append(command('w'));
    await flush();
    expect(store.calls.map((c) => c.streams)).toEqual([['s', 'u1'], ['w']]);
    store.calls[1]!.release();
    await other;
    await flush();
    expect(store.calls).toHaveLength(2); // `next` still waits for `s`, `behindNext` for `next`
    store.calls[0]!.release();
    await first;
    await flush();
    expect(store.calls[2]!.streams).toEqual(['s', 'u2']);
    store.calls[2]!.release();
    await next;
    await flush();
    expect(store.calls[3]!.streams).toEqual(['u2', 'v']);
    store.calls[3]!.release();
    expect(versions(await behindNext)).toEqual([2, 1]);
  });

  it('shares one transaction between the commands that waited, in stream order, none sharing a stream', async () => {
    const store = fakeStore();
    const batcher = new AppendBatcher({ ...store, maxInFlight: 1 });
    const first = batcher.append(command('x'));
    const waiting = [command('c'), command('a'), command('c'), command('b')].map((c) => batcher.append(c));
    store.calls[0]!.release();
    await first;
    await flush();
    expect(store.calls[1]!.streams).toEqual(['a', 'b', 'c']);
    store.calls[1]!.release();
    await flush();
    // The second command on "c" waited for the next transaction.
    expect(store.calls[2]!.streams).toEqual(['c']);
    store.calls[2]!.release();
    const results = await Promise.all(waiting);
    expect(results.map(versions)).toEqual([[1], [1], [1], [1]]);
    // Each caller of the shared transaction gets the rows its inline projections wrote.
    expect(results[1]!.projected?.get('t')?.get('a')).toEqual({ id: 'a' });
  });

  it("gives each multi-stream command its own streams' results, in the order it gave them", async () => {
    const store = fakeStore();
    const batcher = new AppendBatcher({ ...store, maxInFlight: 1 });
    const first = batcher.append(command('x'));
    const upload = batcher.append(command('upload-1', 'storage-u'));
    const other = batcher.append(command('upload-22', 'storage-vv'));
    // Shares the storage stream with the first upload: waits for the next transaction.
    const sameOwner = batcher.append(command('upload-333', 'storage-u'));
    store.calls[0]!.release();
    await first;
    await flush();
    expect(store.calls[1]!.streams).toEqual(['storage-u', 'storage-vv', 'upload-1', 'upload-22']);
    store.calls[1]!.release();
    expect(versions(await upload)).toEqual([8, 9]);
    expect((await upload).events.map((e) => e.streamId)).toEqual(['upload-1', 'storage-u']);
    expect(versions(await other)).toEqual([9, 10]);
    await flush();
    expect(store.calls[2]!.streams).toEqual(['upload-333', 'storage-u']);
    store.calls[2]!.release();
    expect(versions(await sameOwner)).toEqual([10, 9]);
  });

  it('caps a shared transaction at maxBatch stream appends', async () => {
    const store = fakeStore();
    const batcher = new AppendBatcher({ ...store, maxInFlight: 1, maxBatch: 3 });
    const first = batcher.append(command('x'));
    const waiting = [command('a', 'b'), command('c', 'd'), command('e')].map((c) => batcher.append(c));
    store.calls[0]!.release();
    await first;
    await flush();
    expect(store.calls[1]!.streams).toEqual(['a', 'b', 'e']);
    store.calls[1]!.release();
    await flush();
    expect(store.calls[2]!.streams).toEqual(['c', 'd']);
    store.calls[2]!.release();
    await Promise.all(waiting);
  });

  it('runs every command of a failed shared transaction again alone, each with its own outcome', async () => {
    const store = fakeStore();
    const batcher = new AppendBatcher({ ...store, maxInFlight: 1 });
    const first = batcher.append(command('x'));
    const ok = batcher.append(command('ok', 'ok-too'));
    const stale = batcher.append(command('stale'));
    store.calls[0]!.release();
    await first;
    await flush();
    store.calls[1]!.release(new Error('conflict in one of them'));
    await flush();
    const alone = store.calls.slice(2);
    expect(alone.map((c) => c.streams)).toEqual([['ok', 'ok-too'], ['stale']]);
    alone[0]!.release();
    alone[1]!.release(new Error('stale expected version'));
    expect(versions(await ok)).toEqual([2, 6]);
    await expect(stale).rejects.toThrow('stale expected version');
  });

  it('runs the work of commands that waited through `detach`', async () => {
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
    const first = batcher.append(command('x'));
    const second = batcher.append(command('y'));
    expect(detached).toBe(0);
    store.calls[0]!.release();
    await first;
    await flush();
    store.calls[1]!.release();
    await second;
    expect(detached).toBe(1);
  });
});
