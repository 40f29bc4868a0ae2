import type { AllStreamResolvedEvent, AllStreamSubscription } from '@kurrent/kurrentdb-client';
import type { RecordedEvent, SubscribeOptions, Subscription } from '../store/types.js';
import { commitPositionOf, toRecordedEvent } from './kurrentMapping.js';

/**
 * Delivers a KurrentDB catch-up subscription to `onBatch`: each batch is the event that arrived
 * plus whatever is already buffered, up to `batchSize`, and the next batch waits for the handler
 * (the readable stream applies backpressure meanwhile). Hidden events are dropped; events at or
 * before `after` are dropped too, so a resumed subscription never repeats one.
 */
export function kurrentSubscription(source: AllStreamSubscription, options: SubscribeOptions): Subscription {
  const batchSize = options.batchSize ?? 500;
  let last = BigInt(options.after?.globalPosition ?? 0);
  let stopped = false;
  const iterator = source[Symbol.asyncIterator]();

  const nextBatch = async (): Promise<AllStreamResolvedEvent[] | undefined> => {
    const first = await iterator.next();
    if (first.done) return undefined;
    const batch = [first.value];
    while (batch.length < batchSize && source.readableLength > 0) {
      const next = await iterator.next();
      if (next.done) break;
      batch.push(next.value);
    }
    return batch;
  };

  const loop = async () => {
    try {
      while (!stopped) {
        const batch = await nextBatch();
        if (!batch || stopped) return;
        const events: RecordedEvent[] = [];
        for (const resolved of batch) {
          const commit = commitPositionOf(resolved);
          if (commit !== undefined && commit <= last && last > 0n) continue;
          if (commit !== undefined) last = commit;
          const event = toRecordedEvent(resolved);
          if (event) events.push(event);
        }
        if (events.length > 0) await options.onBatch(events);
      }
    } catch (error) {
      if (!stopped) options.onError(error);
    } finally {
      stopped = true;
      await close();
    }
  };
  // Cancelling the gRPC call does not end the readable it pipes into; destroying it ends the iterator.
  const close = async () => {
    await source.unsubscribe().catch(() => undefined);
    source.destroy();
  };
  const running = loop();

  return {
    async stop() {
      stopped = true;
      await close();
      await running;
    },
  };
}
