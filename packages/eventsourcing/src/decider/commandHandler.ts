import { isAppError } from '@ledgerline/contracts';
import {
  type AppendOptions,
  type AppendResult,
  type EventStore,
  isMultiStreamEventStore,
  type NewEvent,
  type ProjectedRows,
  type RecordedEvent,
  type StreamAppend,
} from '../store/types.js';
import type { Decider, DomainEvent } from './decider.js';
import type { StreamStateCache } from './streamStateCache.js';

export interface HandleCommandOptions<
  Command,
  Event extends DomainEvent,
  State,
  Context,
  Prepared = undefined,
> {
  store: EventStore;
  decider: Decider<Command, Event, State, Context>;
  streamId: string;
  command: Command;
  /**
   * Async step before decide, run on every attempt with the state just loaded: load what the
   * decision needs and decide must not fetch itself (another stream, a password hash, the clock).
   * Its result reaches `context` and `alsoAppend`. It may throw a typed error to refuse.
   */
  prepare?: (state: State) => Promise<Prepared>;
  /** Built per attempt (after prepare) so a retry sees fresh time and fresh prepared input. */
  context: (prepared: Prepared, state: State) => Context;
  /**
   * Events for OTHER streams that this command decides too, each at the version the caller read
   * (usually in `prepare`): appended in the same transaction as the command's own events, with
   * the inline projections of all of them. Needs a MultiStreamEventStore (Postgres).
   */
  alsoAppend?: (decided: Decided<Event, State, Prepared>) => StreamAppend[];
  /** Retries on a concurrency conflict (code CONFLICT) of any stream: load, prepare, decide, append again (default 0). */
  retries?: number;
  /** Meta stamped on every event (requestId, correlationId, causationId, actor, traceparent). */
  meta?: AppendOptions['meta'];
  /** Cross-stream uniqueness claims, derived from the decided events. */
  reservations?: (events: Event[], state: State) => Pick<AppendOptions, 'reserve' | 'release'>;
  /** Upcasts stored events (older schemaVersions) to the shape evolve expects. */
  upcast?: (event: RecordedEvent) => Event;
  /** Keeps folded states between commands: only events after the cached version are read. */
  cache?: StreamStateCache<State>;
  /**
   * The caller's deadline (the runtime aborts it when the request's caller has given up): once
   * aborted, no prepare starts and nothing is appended; its `reason` is thrown.
   */
  signal?: AbortSignal;
}

/** What `alsoAppend` decides from: the command's events, the state before and after, and `prepare`'s result. */
export interface Decided<Event, State, Prepared> {
  events: Event[];
  state: State;
  next: State;
  prepared: Prepared;
}

export interface HandleCommandResult<Event, State, Prepared = undefined> {
  events: Event[];
  state: State;
  nextExpectedVersion: number;
  recorded: RecordedEvent[];
  /** Results of the `alsoAppend` streams, in their order (empty when none). */
  others: AppendResult[];
  /** What `prepare` returned on the attempt that succeeded. */
  prepared: Prepared;
  /** Read-model rows the append's inline projections wrote; read them with `projectedRow`. */
  projected?: ProjectedRows;
}

/** True for the optimistic-concurrency conflict of an append (by code, never by class). */
export const isConcurrencyError = (error: unknown): boolean =>
  isAppError(error) && error.code === 'CONFLICT' && error.details?.reason === 'concurrency';

/**
 * The one command loop: load (fold the stream) → prepare (async) → decide (pure) → append the
 * command's events, and any events it decides for other streams, in one transaction at the
 * versions read; on a concurrency conflict, all of it again (up to `retries`).
 *
 * @example A password reset that ends every session before it replies (identity):
 * ```ts
 * await handleCommand({
 *   store, decider: accountDecider, streamId: accountStreamId(userId),
 *   command: { type: 'ResetPassword', data: { tokenHash } },
 *   retries: 2,
 *   prepare: async () => ({
 *     passwordHash: await passwords.hashPassword(newPassword),
 *     sessions: await loadStreams(store, sessionDecider, liveSessionStreamIds),
 *   }),
 *   context: ({ passwordHash }) => ({ now: clock(), passwordHash }),
 *   alsoAppend: ({ prepared }) =>
 *     prepared.sessions.flatMap(({ streamId, state, version }) => {
 *       const ended = sessionDecider.decide(endSession, state, { now });
 *       return ended.length ? [{ streamId, events: ended, expectedVersion: version }] : [];
 *     }),
 * });
 * ```
 */
export async function handleCommand<Command, Event extends DomainEvent, State, Context, Prepared = undefined>(
  options: HandleCommandOptions<Command, Event, State, Context, Prepared>,
): Promise<HandleCommandResult<Event, State, Prepared>> {
  const { store, decider, streamId, command } = options;
  const toEvent = options.upcast ?? ((e: RecordedEvent) => ({ type: e.type, data: e.data }) as Event);
  // With a cached state the first try is speculative: it decides on the cache without reading the
  // stream and lets the append's expected-version check catch a stale entry (a PATCH /me saves the
  // read round trip that every command paid, usually to find no new events). A speculative try that
  // decides nothing or fails in any way (stale state, conflict, domain error) is redone with a read
  // and does not count as an attempt: decide is pure and a failed append rolls back entirely.
  // With a prepare step (often costly: a hash, other streams) the first try reads instead.
  let speculate = options.cache !== undefined && options.prepare === undefined;
  for (let attempt = 0; ; ) {
    const cached = options.cache?.get(streamId);
    const speculative = speculate && cached !== undefined;
    speculate = false;
    try {
      const stored = speculative
        ? []
        : await store.readStream(streamId, cached && { fromVersion: cached.version + 1 });
      const version = stored.at(-1)?.streamPosition ?? cached?.version ?? 0;
      const state = stored
        .map(toEvent)
        .reduce(decider.evolve, cached ? cached.state : decider.initialState());
      options.signal?.throwIfAborted();
      const prepared = (options.prepare ? await options.prepare(state) : undefined) as Prepared;
      const events = decider.decide(command, state, options.context(prepared, state));
      const next = events.reduce(decider.evolve, state);
      const others = options.alsoAppend?.({ events, state, next, prepared }) ?? [];
      if (events.length === 0 && others.length === 0) {
        if (speculative) continue;
        options.cache?.set(streamId, state, version);
        return { events, state: next, nextExpectedVersion: version, recorded: [], others: [], prepared };
      }
      const own: StreamAppend[] =
        events.length === 0
          ? []
          : [
              {
                streamId,
                events: events as NewEvent[],
                expectedVersion: version === 0 ? 'no_stream' : version,
                ...options.reservations?.(events, state),
              },
            ];
      options.signal?.throwIfAborted();
      const result = await appendAll(store, [...own, ...others], options.meta);
      const mine = events.length === 0 ? undefined : result.streams[0];
      const nextExpectedVersion = mine?.nextExpectedVersion ?? version;
      options.cache?.set(streamId, next, nextExpectedVersion);
      return {
        events,
        state: next,
        nextExpectedVersion,
        recorded: mine?.events ?? [],
        others: result.streams.slice(own.length),
        prepared,
        ...(result.projected && { projected: result.projected }),
      };
    } catch (error) {
      if (options.signal?.aborted) throw error;
      if (speculative) continue;
      if (!isConcurrencyError(error) || attempt >= (options.retries ?? 0)) throw error;
      attempt++;
    }
  }
}

// One stream through the port every store has; several through the atomic multi-stream append.
async function appendAll(store: EventStore, appends: StreamAppend[], meta: AppendOptions['meta']) {
  if (appends.length === 1) {
    const { streamId, events, ...options } = appends[0]!;
    const result = await store.append(streamId, events, { ...options, meta: options.meta ?? meta });
    return { streams: [result], projected: result.projected };
  }
  if (!isMultiStreamEventStore(store)) {
    throw new Error('a command that appends to several streams needs a MultiStreamEventStore (Postgres)');
  }
  return store.appendMany(appends, { meta });
}

/** A stream folded with a decider: its state and the version to append at. */
export interface LoadedStream<State> {
  streamId: string;
  state: State;
  /** The stream's version (0 when it does not exist): pass it as `expectedVersion`. */
  version: number;
}

/** Reads and folds one stream (for `prepare`): the state and the version it reflects. */
export async function loadStream<State, Event>(
  store: Pick<EventStore, 'readStream'>,
  decider: Pick<Decider<unknown, Event, State, unknown>, 'evolve' | 'initialState'>,
  streamId: string,
  upcast: (event: RecordedEvent) => Event = (e) => ({ type: e.type, data: e.data }) as Event,
): Promise<LoadedStream<State>> {
  const stored = await store.readStream(streamId);
  return {
    streamId,
    state: stored.map(upcast).reduce(decider.evolve, decider.initialState()),
    version: stored.at(-1)?.streamPosition ?? 0,
  };
}

/** Reads and folds several streams concurrently (for `prepare`), in the order given. */
export const loadStreams = <State, Event>(
  store: Pick<EventStore, 'readStream'>,
  decider: Pick<Decider<unknown, Event, State, unknown>, 'evolve' | 'initialState'>,
  streamIds: readonly string[],
  upcast?: (event: RecordedEvent) => Event,
): Promise<LoadedStream<State>[]> =>
  Promise.all(streamIds.map((id) => loadStream(store, decider, id, upcast)));
