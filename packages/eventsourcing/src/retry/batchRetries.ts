import type { RecordedEvent } from '../store/types.js';
import { backoffDelay, isPoisonError, sleep } from './backoff.js';

export interface BatchRetryOptions {
  /** Tries of one batch before a poison event is isolated and parked (default 5). */
  maxAttempts?: number;
  retryBaseDelayMs?: number;
  retryMaxDelayMs?: number;
  onError?: (error: unknown) => void;
}

/**
 * The catch-up loop's answer to a failing batch, shared by async projectors and reactors: retry
 * with backoff; then find the event at fault by going one by one through what the batch held, and
 * park that one (dead letter) so the rest go on. A connection error is not retried here: it is
 * rethrown for LeaderWorker to reconnect.
 */
export class BatchRetries {
  private isolateRemaining = 0;

  constructor(private readonly options: BatchRetryOptions) {}

  /** How many events the next batch reads: one at a time while a poison event is being isolated. */
  sizeOf(batchSize: number): number {
    return this.isolateRemaining > 0 ? 1 : batchSize;
  }

  /**
   * Runs `batch` (which reports what it read through `onRead` before it fails), retrying it; answers
   * how many events were handled or parked. `afterFailure` runs first on every failure (a ROLLBACK).
   */
  async run(
    batch: (onRead: (events: RecordedEvent[]) => void) => Promise<RecordedEvent[]>,
    park: (event: RecordedEvent, error: unknown, attempts: number) => Promise<void>,
    afterFailure?: () => Promise<void>,
  ): Promise<number> {
    const { maxAttempts = 5, retryBaseDelayMs = 100, retryMaxDelayMs = 5000 } = this.options;
    for (let attempt = 1; ; attempt++) {
      let events: RecordedEvent[] = [];
      try {
        events = await batch((read) => {
          events = read;
        });
        if (this.isolateRemaining > 0) this.isolateRemaining -= events.length;
        return events.length;
      } catch (error) {
        await afterFailure?.();
        if (!isPoisonError(error)) throw error;
        this.options.onError?.(error);
        if (attempt < maxAttempts) {
          await sleep(backoffDelay(attempt, retryBaseDelayMs, retryMaxDelayMs));
          continue;
        }
        if (events.length === 0) throw error;
        if (events.length > 1) {
          this.isolateRemaining = events.length;
          return 0;
        }
        await park(events[0]!, error, attempt);
        if (this.isolateRemaining > 0) this.isolateRemaining -= 1;
        return 1;
      }
    }
  }
}
