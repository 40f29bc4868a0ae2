import type { JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Pool } from 'pg';
import type { EventContractLookup } from '../consumers/parseMessage.js';
import { type RunConsumerOptions, type RunningConsumer, runConsumer } from '../consumers/runConsumer.js';
import type { PostgresEventStore } from '../postgres/pgEventStore.js';
import { sagaCommandSender } from './commandSender.js';
import { type SagaDefinition, sagaEventTypes } from './saga.js';
import { runSagaStep } from './sagaStep.js';

export interface RunSagaOptions {
  pool: Pool;
  service: string;
  nc: NatsConnection;
  js: JetStreamClient;
  store: PostgresEventStore;
  saga: SagaDefinition;
  /** The durable consumer (createDurableConsumer) whose filter covers the saga's event types. */
  consumer: string;
  /** Contracts of the consumed events (a ContractRegistry). */
  messages: EventContractLookup;
  commandTimeoutMs?: number;
  /**
   * Commands of different saga instances sent at once (default: the saga's `commandConcurrency`,
   * else 1). One instance's commands are always sent in order, one after another.
   */
  concurrency?: number;
  /** Passed to runConsumer (batch size, retry delays, onError …). */
  consumerOptions?: Partial<
    Omit<RunConsumerOptions, 'pool' | 'service' | 'js' | 'consumer' | 'messages' | 'handle'>
  >;
  /** Clock for decide; defaults to the wall clock. */
  now?: () => Date;
}

/**
 * Runs a process manager on a durable consumer. Each trigger is one transaction: the inbox row
 * (so a redelivery decides nothing twice), the saga's events, its timeouts and its queued commands.
 * After the commit the commands are sent with their deterministic idempotency keys; what a crash
 * leaves unsent, a SagaScheduler resends with the same keys. The commands go out in a lane per
 * saga instance (DispatchLanes): in order per instance, `concurrency` instances at a time; the
 * consumer moves on to the next trigger while earlier commands are in flight (they are in the
 * outbox already), and waits only when `concurrency` are unfinished.
 */
export async function runSaga(options: RunSagaOptions): Promise<RunningConsumer> {
  const { saga, store } = options;
  const types = sagaEventTypes(saga);
  const onError = options.consumerOptions?.onError;
  const commands = sagaCommandSender({ ...options, onError });
  const consumer = await runConsumer({
    ...options.consumerOptions,
    pool: options.pool,
    service: options.service,
    js: options.js,
    consumer: options.consumer,
    messages: options.messages,
    accepts: (subject) => types.has(subject.slice(subject.lastIndexOf('.') + 1)),
    handle: async ({ client, event, meta, afterCommit }) => {
      const sagaId = saga.correlationId(event);
      if (sagaId === undefined) return;
      const input = { kind: 'event' as const, messageId: event.id, event };
      const now = options.now?.() ?? new Date();
      const keys = await runSagaStep(client, { store, saga, sagaId, input, now, cause: meta });
      if (keys.length > 0) afterCommit(() => commands.send(sagaId, keys));
    },
    onError,
  });
  return {
    async stop() {
      await consumer.stop();
      await commands.drain();
    },
  };
}
