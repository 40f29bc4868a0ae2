import type { LogPosition, RecordedEvent, SubscribeOptions, Subscription } from '../store/types.js';
import { positionOf, START } from '../store/types.js';

export interface PollingSubscriptionOptions extends SubscribeOptions {
  read(after: LogPosition, maxCount: number): Promise<RecordedEvent[]>;
  notifier: { wait(timeoutMs: number): Promise<void>; wakeAll(): void };
  pollIntervalMs: number;
}

/**
 * A catch-up subscription: reads batches until the head, then sleeps until a notification
 * or the poll interval, and reads again. Delivery is in log order, one batch at a time.
 */
export function pollingSubscription(options: PollingSubscriptionOptions): Subscription {
  const batchSize = options.batchSize ?? 500;
  let position = options.after ?? START;
  let stopped = false;

  const loop = async () => {
    while (!stopped) {
      try {
        const events = await options.read(position, batchSize);
        if (events.length > 0) {
          await options.onBatch(events);
          position = positionOf(events.at(-1)!);
        }
        if (events.length < batchSize && !stopped) await options.notifier.wait(options.pollIntervalMs);
      } catch (error) {
        stopped = true;
        options.onError(error);
      }
    }
  };
  const running = loop();

  return {
    async stop() {
      stopped = true;
      options.notifier.wakeAll();
      await running;
    },
  };
}
