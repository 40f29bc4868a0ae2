import type { NatsConnection } from '@nats-io/transport-node';
import type { Pool } from 'pg';
import type { PostgresEventStore } from '../postgres/pgEventStore.js';
import { CommandDispatcher } from './commandDispatcher.js';
import { DispatchLanes } from './dispatchLanes.js';
import type { SagaDefinition } from './saga.js';

export interface SagaCommandSenderOptions {
  pool: Pool;
  service: string;
  nc: NatsConnection;
  store: PostgresEventStore;
  saga: SagaDefinition;
  commandTimeoutMs?: number;
  /** Instances whose commands are sent at once (default: the saga's `commandConcurrency`, else 1). */
  concurrency?: number;
  onError?: (error: unknown) => void;
}

/**
 * Sends what a saga step queued in the outbox, after its commit, whichever runner made the step
 * (runSaga, runSagaOnLog): a lane per instance (in order per instance, `concurrency` instances at a
 * time); a failed send is reported and left in the outbox, where the SagaScheduler resends it.
 */
export function sagaCommandSender(options: SagaCommandSenderOptions) {
  const { saga } = options;
  const dispatcher = new CommandDispatcher({
    ...options,
    sagas: [saga],
    timeoutMs: options.commandTimeoutMs,
  });
  const lanes = new DispatchLanes(options.concurrency ?? saga.commandConcurrency ?? 1);
  return {
    /** Resolves once the lanes have room (back-pressure for the runner), not when the commands are sent. */
    send: (sagaId: string, keys: string[]): Promise<void> =>
      lanes.submit(sagaId, () =>
        dispatcher.dispatch(keys).then(
          () => undefined,
          (error: unknown) => options.onError?.(error),
        ),
      ),
    /** Resolves when every command submitted so far has been sent or given up. */
    drain: (): Promise<void> => lanes.drain(),
  };
}
