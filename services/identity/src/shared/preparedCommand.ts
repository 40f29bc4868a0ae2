import type { Decider } from '@ledgerline/eventsourcing';

/** A command built by `prepare` from the loaded state, with the context to decide it in. */
export interface PreparedCommand<Command, Context> {
  command: Command;
  context: Context;
}

/**
 * For handleCommand's `prepare` step when the command itself depends on the state it acts on (a
 * TOTP code is matched against the secret stored in the stream): the decider decides whatever
 * `prepare` built, so the kernel's loop (load, prepare, decide, append, retry) stays the only one.
 */
export const decidePrepared = <Command, Event, State, Context>(
  decider: Decider<Command, Event, State, Context>,
): Decider<null, Event, State, PreparedCommand<Command, Context>> => ({
  evolve: decider.evolve,
  initialState: decider.initialState,
  decide: (_placeholder, state, { command, context }) => decider.decide(command, state, context),
});
