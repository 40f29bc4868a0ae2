import { ConcurrencyError } from '@ledgerline/contracts';
import type { AppendOptions, EventStore, NewEvent, RecordedEvent } from '../store/types.js';
import type { Decider, DomainEvent } from './decider.js';

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
}

export interface HandleCommandResult<Event, State> {
  events: Event[];
  state: State;
  nextExpectedVersion: number;
  recorded: RecordedEvent[];
}

/** Load (fold the stream) → decide → append with the version it read, retrying on conflict. */
export async function handleCommand<Command, Event extends DomainEvent, State, Context>(
  options: HandleCommandOptions<Command, Event, State, Context>,
): Promise<HandleCommandResult<Event, State>> {
  const { store, decider, streamId, command } = options;
  const toEvent = options.upcast ?? ((e: RecordedEvent) => ({ type: e.type, data: e.data }) as Event);
  for (let attempt = 0; ; attempt++) {
    const stored = await store.readStream(streamId);
    const state = stored.map(toEvent).reduce(decider.evolve, decider.initialState());
    const events = decider.decide(command, state, options.context());
    const next = events.reduce(decider.evolve, state);
    if (events.length === 0) {
      return { events, state: next, nextExpectedVersion: stored.length, recorded: [] };
    }
    try {
      const result = await store.append(streamId, events as NewEvent[], {
        expectedVersion: stored.at(-1)?.streamPosition ?? 'no_stream',
        meta: options.meta,
        ...options.reservations?.(events, state),
      });
      return {
        events,
        state: next,
        nextExpectedVersion: result.nextExpectedVersion,
        recorded: result.events,
      };
    } catch (error) {
      if (!(error instanceof ConcurrencyError) || attempt >= (options.retries ?? 0)) throw error;
    }
  }
}
