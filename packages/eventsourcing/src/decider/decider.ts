/** An event as a decider produces it: a type routed by string and its data. */
export interface DomainEvent<Type extends string = string, Data = unknown> {
  type: Type;
  data: Data;
}

/** A command as a decider takes it. */
export interface DomainCommand<Type extends string = string, Data = unknown> {
  type: Type;
  data: Data;
}

/**
 * The pure core of an aggregate or a process manager (Jérémie Chassaing's decider pattern):
 * `decide` turns a command and the current state into new events (or throws a typed domain
 * error), `evolve` folds one event into the state. Time, ids and randomness arrive in `context`.
 */
export interface Decider<Command, Event, State, Context = { now: Date }> {
  decide(command: Command, state: State, context: Context): Event[];
  evolve(state: State, event: Event): State;
  initialState(): State;
}

/** Folds events into state with a decider's evolve, from its initial state. */
export const fold = <Event, State>(
  decider: Pick<Decider<unknown, Event, State, unknown>, 'evolve' | 'initialState'>,
  events: readonly Event[],
): State => events.reduce(decider.evolve, decider.initialState());
