import { ConcurrencyError } from '@ledgerline/contracts';
import type { AppendOptions, EventStore, NewEvent, ProjectedRows, RecordedEvent } from '../store/types.js';
import type { Decider, DomainEvent } from './decider.js';
import type { StreamStateCache } from './streamStateCache.js';

export interface HandleCommandOptions<Command, Event extends DomainEvent, State, Context> {
  store: EventStore;
  decider: Decider<Command, Event, State, Context>;
  streamId: string;
  command: Command;
  /** Built per attempt so a retry sees fresh time. */
  context: () => Context;
  /** Retries on ConcurrencyError: load, decide and append again (default 0: fail fast). */
  retries?: number;
  /** Meta stamped on every event (requestId, correlationId, causationId, actor, traceparent). */
  meta?: AppendOptions['meta'];
  /** Cross-stream uniqueness claims, derived from the decided events. */
  reservations?: (events: Event[], state: State) => Pick<AppendOptions, 'reserve' | 'release'>;
  /** Upcasts stored events (older schemaVersions) to the shape evolve expects. */
  upcast?: (event: RecordedEvent) => Event;
  /** Keeps folded states between commands: only events after the cached version are read. */
  cache?: StreamStateCache<State>;
}

export interface HandleCommandResult<Event, State> {
  events: Event[];
  state: State;
  nextExpectedVersion: number;
  recorded: RecordedEvent[];
  /** Read-model rows the append's inline projections wrote (see AppendResult.projected). */
  projected?: ProjectedRows;
}

/** Load (fold the stream) → decide → append with the version it read, retrying on conflict. */
export async function handleCommand<Command, Event extends DomainEvent, State, Context>(
  options: HandleCommandOptions<Command, Event, State, Context>,
): Promise<HandleCommandResult<Event, State>> {
  const { store, decider, streamId, command } = options;
  const toEvent = options.upcast ?? ((e: RecordedEvent) => ({ type: e.type, data: e.data }) as Event);
  // With a cached state the first try is speculative: it decides on the cache without reading the
  // stream and lets the append's expected-version check catch a stale entry (a PATCH /me saves the
  // read round trip that every command paid, usually to find no new events). A speculative try that
  // decides nothing or fails in any way (stale state, conflict, domain error) is redone with a read
  // and does not count as an attempt: decide is pure and a failed append rolls back entirely.
  let speculate = options.cache !== undefined;
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
      const events = decider.decide(command, state, options.context());
      const next = events.reduce(decider.evolve, state);
      if (events.length === 0) {
        if (speculative) continue;
        options.cache?.set(streamId, state, version);
        return { events, state: next, nextExpectedVersion: version, recorded: [] };
      }
      const result = await store.append(streamId, events as NewEvent[], {
        expectedVersion: version === 0 ? 'no_stream' : version,
        meta: options.meta,
        ...options.reservations?.(events, state),
      });
      options.cache?.set(streamId, next, result.nextExpectedVersion);
      return {
        events,
        state: next,
        nextExpectedVersion: result.nextExpectedVersion,
        recorded: result.events,
        ...(result.projected && { projected: result.projected }),
      };
    } catch (error) {
      if (speculative) continue;
      if (!(error instanceof ConcurrencyError) || attempt >= (options.retries ?? 0)) throw error;
      attempt++;
    }
  }
}
