import { ConcurrencyError, type MessageMeta } from '@ledgerline/contracts';
import { type Decider, type DomainEvent, type EventStore, fold } from '@ledgerline/eventsourcing';

export interface StreamCommandOptions<Command, Event extends DomainEvent, State, Context, Extra> {
  store: EventStore;
  decider: Decider<Command, Event, State, Context>;
  streamId: string;
  /**
   * Builds the command and context from the current state; may do I/O (decrypt a stored secret,
   * load the owner's account) and may throw. Runs again on a retry, so it always sees fresh state.
   */
  prepare: (state: State) => Promise<{ command: Command; context: Context; extra: Extra }>;
  meta?: Partial<MessageMeta>;
  /** Retries on ConcurrencyError (default 2). */
  retries?: number;
}

export interface StreamCommandResult<Event, State, Extra> {
  events: Event[];
  /** The state after the new events. */
  state: State;
  extra: Extra;
}

/**
 * The kernel's handleCommand, for commands whose input depends on the state they act on: load →
 * prepare (async) → decide (pure) → append with the version read, retrying on a conflict.
 */
export async function runStreamCommand<Command, Event extends DomainEvent, State, Context, Extra = undefined>(
  options: StreamCommandOptions<Command, Event, State, Context, Extra>,
): Promise<StreamCommandResult<Event, State, Extra>> {
  const { store, decider, streamId } = options;
  for (let attempt = 0; ; attempt++) {
    const stored = await store.readStream(streamId);
    const current = fold(
      decider,
      stored.map((e) => ({ type: e.type, data: e.data }) as Event),
    );
    const { command, context, extra } = await options.prepare(current);
    const events = decider.decide(command, current, context);
    const state = events.reduce(decider.evolve, current);
    if (events.length === 0) return { events, state, extra };
    try {
      const expectedVersion = stored.at(-1)?.streamPosition ?? 'no_stream';
      await store.append(streamId, events, { expectedVersion, meta: options.meta });
      return { events, state, extra };
    } catch (error) {
      if (!(error instanceof ConcurrencyError) || attempt >= (options.retries ?? 2)) throw error;
    }
  }
}
