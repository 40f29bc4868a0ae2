export * from './consumers/durableConsumer.js';
export { claimInbox } from './consumers/inbox.js';
export {
  type EventContractLookup,
  type ParsedMessage,
  parseReceived,
  type ReceivedMessage,
  receive,
} from './consumers/parseMessage.js';
export { type ConsumerContext, type ConsumerHandler, parkMessage } from './consumers/processMessage.js';
export * from './consumers/retryDeadLetter.js';
export { type RunConsumerOptions, type RunningConsumer, runConsumer } from './consumers/runConsumer.js';
export * from './deadLetters/deadLetters.js';
export * from './decider/commandHandler.js';
export * from './decider/decider.js';
export * from './decider/givenWhenThen.js';
export * from './decider/streamStateCache.js';
export { KurrentEventStore, type KurrentEventStoreOptions } from './kurrent/kurrentEventStore.js';
export { KurrentReservations, reservationStreamOf } from './kurrent/kurrentReservations.js';
export * from './manifest.js';
export * from './migrations/kernelMigrations.js';
export * from './migrations/migrations.js';
export * from './postgres/connections.js';
export { LookupBatcher, type LookupBatcherOptions } from './postgres/lookupBatcher.js';
export { NotifiedCache, type NotifiedCacheOptions, notifyChanged } from './postgres/notifiedCache.js';
export * from './postgres/pgEventStore.js';
export { quoteIdent, rowsByKeys, schemasOf } from './postgres/sql.js';
export * from './projections/asyncProjector.js';
export { readCheckpoint } from './projections/checkpoints.js';
export * from './projections/inline.js';
export { projectBatch } from './projections/projectBatch.js';
export * from './projections/projection.js';
export * from './projections/rebuild.js';
export * from './projections/retryDeadLetter.js';
export * from './reactors/reactor.js';
export * from './reactors/reactorRunner.js';
export * from './reactors/reactorStatus.js';
export * from './reactors/retryDeadLetter.js';
export * from './relay/eventsStream.js';
export { readPosition, writePosition } from './relay/positions.js';
export * from './relay/relay.js';
export { backoffDelay, HandlerError, isPoisonError } from './retry/backoff.js';
export * from './sagas/commandDispatcher.js';
export * from './sagas/saga.js';
export * from './sagas/sagaOnLog.js';
export * from './sagas/sagaRuntime.js';
export * from './sagas/sagaStep.js';
export * from './sagas/scheduler.js';
export * from './store/types.js';
export {
  activeTraceFields,
  detachedFromTraces,
  inSpan,
  type KernelSpanOptions,
  linksTo,
  stampTrace,
  type TraceFields,
  untraced,
} from './tracing/tracing.js';
export { LeaderWorker, type LeaderWorkerOptions, type WorkerState } from './workers/leaderWorker.js';
