import type { PoolClient } from 'pg';
import type { DomainEvent } from '../decider/decider.js';
import type { PostgresEventStore } from '../postgres/pgEventStore.js';
import type { RecordedEventOf } from '../projections/projection.js';
import type {
  AppendOptions,
  AppendResult,
  MultiAppendResult,
  NewEvent,
  StreamAppend,
} from '../store/types.js';

/**
 * What a reactor's effect gets for one event: the transaction that also moves the reactor's
 * checkpoint past the event, so the effect happens once (it commits with the checkpoint or not
 * at all). Append through `append`/`appendMany` (they run reservations and inline projections in
 * this transaction), or write with `client`.
 */
export interface ReactorContext {
  /** The transaction. Do not COMMIT or ROLLBACK it. */
  client: PoolClient;
  store: PostgresEventStore;
  /** Appends to a stream in this transaction. */
  append(streamId: string, events: NewEvent[], options: AppendOptions): Promise<AppendResult>;
  /** Appends to several streams in this transaction. */
  appendMany(appends: StreamAppend[], options?: Pick<AppendOptions, 'meta'>): Promise<MultiAppendResult>;
  /** The time of this batch (a clock option overrides it in tests). */
  now: Date;
  /** Runs after the commit (never retried; a failure is only reported): wake-ups, metrics. */
  afterCommit(work: () => Promise<void>): void;
}

/**
 * "When X happened here, do Y here" (ARCHITECTURE.md, "The service runtime"): an effect per event
 * of the service's own log, run by a ReactorRunner as a checkpointed catch-up subscription with one
 * active instance. `E` is the union of the events it handles; others only move its checkpoint.
 * What must be true when a command replies is not a reactor: use a multi-stream handleCommand.
 */
export interface Reactor<E extends DomainEvent = DomainEvent> {
  /** Unique within the service: its checkpoint (`<service>_es.positions`), lock and dead letters. */
  name: string;
  canHandle: readonly E['type'][];
  react(event: RecordedEventOf<E>, context: ReactorContext): Promise<void>;
  /**
   * The effects of a batch's handled events at once (in log order, in one transaction), where
   * sharing statements across events pays. When present the runner calls it instead of `react`;
   * a failing batch is retried, then taken one event at a time, like any other.
   */
  reactBatch?(events: RecordedEventOf<E>[], context: ReactorContext): Promise<void>;
}

/** Any reactor, whatever its event union (what runners, manifests and retries take). */
// biome-ignore lint/suspicious/noExplicitAny: erases E for collections of reactors; each is checked where defined.
export type AnyReactor = Reactor<any>;

/** Checks a reactor against its event union at compile time. */
export const defineReactor = <E extends DomainEvent = DomainEvent>(reactor: Reactor<E>): Reactor<E> =>
  reactor;

/** The name of a reactor's checkpoint in `positions` and of its worker lock. */
export const reactorWorkerName = (reactor: Pick<AnyReactor, 'name'>): string => `reactor:${reactor.name}`;

/** Builds the context of one transaction (shared by the runner and dead-letter retries). */
export function reactorContext(
  client: PoolClient,
  store: PostgresEventStore,
  now: Date,
  afterCommit: Array<() => Promise<void>>,
): ReactorContext & { appended: () => boolean } {
  let appended = false;
  return {
    client,
    store,
    now,
    append: (streamId, events, options) => {
      appended = true;
      return store.appendWith(client, streamId, events, options);
    },
    appendMany: (appends, options) => {
      appended = true;
      return store.appendManyWith(client, appends, options);
    },
    afterCommit: (work) => afterCommit.push(work),
    appended: () => appended,
  };
}
