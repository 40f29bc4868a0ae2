import { PassThrough } from 'node:stream';
import type { AllStreamResolvedEvent, AllStreamSubscription } from '@kurrent/kurrentdb-client';
import { describe, expect, it } from 'vitest';
import type { RecordedEvent } from '../store/types.js';
import { kurrentSubscription } from './kurrentSubscription.js';

// A stand-in for the client's subscription: an object-mode readable that, like the real one,
// does not end when the gRPC call is cancelled.
function fakeSource() {
  const stream = new PassThrough({ objectMode: true }) as PassThrough & { unsubscribed: boolean };
  stream.unsubscribed = false;
  Object.assign(stream, {
    unsubscribe: async () => {
      stream.unsubscribed = true;
    },
  });
  return stream;
}

const event = (streamId: string, commit: bigint, type = 'Counted'): AllStreamResolvedEvent => ({
  event: {
    streamId,
    id: `id-${commit}`,
    isJson: true,
    revision: 0n,
    type,
    created: new Date(0),
    data: {},
    metadata: undefined,
    position: { commit, prepare: commit },
  } as NonNullable<AllStreamResolvedEvent['event']>,
  commitPosition: commit,
});

const tick = () => new Promise((r) => setTimeout(r, 10));

describe('kurrentSubscription', () => {
  it('delivers buffered events in order, in batches of at most batchSize, and skips hidden ones', async () => {
    const source = fakeSource();
    const batches: RecordedEvent[][] = [];
    for (const [i, e] of [
      event('a-1', 10n),
      event('$stats', 11n),
      event('a-1', 12n),
      event('a-2', 13n),
      event('a-2', 14n, '$metadata'),
      event('a-2', 15n),
    ].entries()) {
      source.write(e);
      if (i === 0) await tick();
    }
    const subscription = kurrentSubscription(source as unknown as AllStreamSubscription, {
      batchSize: 2,
      onBatch: async (events) => {
        batches.push(events);
      },
      onError: (error) => {
        throw error;
      },
    });
    await tick();
    await subscription.stop();
    expect(batches.flat().map((e) => e.globalPosition)).toEqual([10, 12, 13, 15]);
    expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(2);
    expect(source.unsubscribed).toBe(true);
  });

  it('drops events at or before the position it resumes after', async () => {
    const source = fakeSource();
    const seen: number[] = [];
    const subscription = kurrentSubscription(source as unknown as AllStreamSubscription, {
      after: { transactionId: 0, globalPosition: 20 },
      onBatch: async (events) => {
        seen.push(...events.map((e) => e.globalPosition));
      },
      onError: () => undefined,
    });
    source.write(event('a-1', 20n));
    source.write(event('a-1', 21n));
    await tick();
    await subscription.stop();
    expect(seen).toEqual([21]);
  });

  it('waits for onBatch before the next batch, and stops the loop with onError when it throws', async () => {
    const source = fakeSource();
    const failure = new Error('boom');
    const errors: unknown[] = [];
    let calls = 0;
    const subscription = kurrentSubscription(source as unknown as AllStreamSubscription, {
      batchSize: 1,
      onBatch: async () => {
        calls++;
        throw failure;
      },
      onError: (error) => errors.push(error),
    });
    source.write(event('a-1', 1n));
    source.write(event('a-1', 2n));
    await tick();
    await subscription.stop();
    expect(calls).toBe(1);
    expect(errors).toEqual([failure]);
  });

  it('reports a failing source through onError', async () => {
    const source = fakeSource();
    const errors: unknown[] = [];
    const subscription = kurrentSubscription(source as unknown as AllStreamSubscription, {
      onBatch: async () => undefined,
      onError: (error) => errors.push(error),
    });
    source.destroy(new Error('connection lost'));
    await tick();
    await subscription.stop();
    expect(errors).toHaveLength(1);
    expect((errors[0] as Error).message).toBe('connection lost');
  });
});
