import type { Decider } from './decider.js';

type ErrorClass = abstract new (...args: never[]) => Error;

/**
 * Given/when/then for deciders, framework-agnostic: failures throw an Error with both sides
 * printed, so it works under any test runner.
 *
 *   given([registered]).when(verifyEmail).then([emailVerified]);
 *   given([registered, verified]).when(verifyEmail).thenThrows(IllegalStateError);
 */
export const deciderSpec =
  <Command, Event, State, Context>(
    decider: Decider<Command, Event, State, Context>,
    context: () => Context,
  ) =>
  (given: Event[]) => ({
    when: (command: Command) => {
      const run = () =>
        decider.decide(command, given.reduce(decider.evolve, decider.initialState()), context());
      return {
        // biome-ignore lint/suspicious/noThenProperty: the given/when/then vocabulary of CONVENTIONS.md; never awaited.
        then(expected: Event[]): void {
          const actual = run();
          const a = JSON.stringify(actual);
          const e = JSON.stringify(expected);
          if (a !== e) throw new Error(`decider produced\n  ${a}\nexpected\n  ${e}`);
        },
        thenThrows(errorClass: ErrorClass, messageIncludes?: string): void {
          let outcome: unknown;
          try {
            outcome = run();
          } catch (error) {
            if (!(error instanceof errorClass)) {
              throw new Error(`expected ${errorClass.name}, got ${String(error)}`);
            }
            if (messageIncludes && !error.message.includes(messageIncludes)) {
              throw new Error(`expected message with "${messageIncludes}", got "${error.message}"`);
            }
            return;
          }
          throw new Error(`expected ${errorClass.name}, decider produced ${JSON.stringify(outcome)}`);
        },
      };
    },
  });
