import type { ErrorShape, EventEnvelope } from '@ledgerline/contracts';
import type { DomainEvent } from '../decider/decider.js';
import type { ScheduledTimeout } from '../store/types.js';

/** What a process manager reacts to: a public event, one of its due timeouts, or a failed command. */
export type SagaInput =
  | { kind: 'event'; messageId: string; event: EventEnvelope }
  | { kind: 'timeout'; messageId: string; type: string; payload: unknown; dueAt: string }
  | {
      kind: 'commandFailed';
      messageId: string;
      command: SagaCommand;
      idempotencyKey: string;
      error: ErrorShape;
    };

/** A command to send after the decision commits, as NATS request/reply (`<service>.cmd.<Name>`). */
export interface SagaCommand {
  subject: string;
  payload: unknown;
}

/** A timeout: delivered back to the same saga instance as a `timeout` input once `dueAt` passes. */
export interface SagaSchedule {
  type: string;
  dueAt: Date;
  payload?: unknown;
}

/** Everything one decision does; all parts are optional. */
export interface SagaDecision<Event extends DomainEvent = DomainEvent> {
  /** Recorded in the saga's stream `saga-<name>-<correlationId>` (its state). */
  events?: Event[];
  /** Sent after the commit, each with idempotency key `<input messageId>:<index>`. */
  commands?: SagaCommand[];
  schedule?: SagaSchedule[];
  /** Types of this instance's pending timeouts to cancel. */
  cancelSchedules?: string[];
}

export interface SagaContext {
  now: Date;
  /** The correlation id: which instance of the saga this is. */
  sagaId: string;
}

/** Recorded by the runtime when a command's reply is a failure (or it never got one); evolve sees it. */
export interface CommandFailedEvent {
  type: 'CommandFailed';
  data: { subject: string; idempotencyKey: string; error: ErrorShape };
}

/**
 * A process manager, written as a decider (ARCHITECTURE.md, "Sagas and process managers"):
 *
 * - `startedBy` event types create an instance; `handles` event types only reach an instance that
 *   already exists (its stream is not empty). Types are matched on the subject's last token.
 * - `correlationId(event)` names the instance; undefined ignores the event.
 * - `decide(input, state, ctx)` is pure; its events are appended to `saga-<name>-<correlationId>`
 *   at the version it read, together with the inbox row, the outbox commands and the timeouts.
 * - `evolve` folds the saga's own events, including the runtime's `CommandFailed`.
 * - `startsOnAppend`: a first step that only starts a clock runs in the appending transaction
 *   instead (the command puts `timeoutsOnAppend(saga, events)` on its StreamAppend): no saga
 *   event, no reactor round per instance. Such an instance has no stream until its first step on
 *   the log, and its timeout, when due, reaches it regardless (the timeout is its start).
 */
export interface SagaDefinition<State = unknown, Event extends DomainEvent = DomainEvent> {
  /** Lower-kebab name; part of the stream id and of the scheduled rows. */
  name: string;
  startedBy: string[];
  handles?: string[];
  correlationId(event: EventEnvelope): string | undefined;
  initialState(): State;
  evolve(state: State, event: Event | CommandFailedEvent): State;
  decide(input: SagaInput, state: State, ctx: SagaContext): SagaDecision<Event>;
  /**
   * Per event type: the timeouts its append schedules for the instance `correlationId` names, from
   * the event alone (its state is not read). These types are not in `startedBy`/`handles`: the
   * saga's reactor never sees them. Measured on the files service: a saga start per upload on the
   * log cost a quarter of POST /files/uploads' throughput.
   */
  startsOnAppend?: Readonly<Record<string, (event: { type: string; data: unknown }) => SagaSchedule[]>>;
  /**
   * How many instances' commands the runner sends at once (default 1), when the runner is not told
   * otherwise: raise it when commands are slow (a verification) and instances are independent.
   */
  commandConcurrency?: number;
  /**
   * Reply timeout of each of its commands (default 5 s) wherever they are sent, the runner's and the
   * scheduler's resends alike, unless the runner is told otherwise. A command that takes longer is
   * resent (same idempotency key) after a backoff: its handler must be idempotent, ideally joining
   * the run in progress.
   */
  commandTimeoutMs?: number;
}

/** The stream that holds a saga instance's state. */
export const sagaStreamId = (saga: string, sagaId: string): string => `saga-${saga}-${sagaId}`;

/** The timeouts `saga` starts with these events, for the append that records them (StreamAppend.schedule). */
export function timeoutsOnAppend(
  saga: SagaDefinition,
  events: ReadonlyArray<{ type: string; data: unknown }>,
): ScheduledTimeout[] {
  return events.flatMap((event) => {
    const start = saga.startsOnAppend?.[event.type];
    const sagaId = start ? saga.correlationId(event as EventEnvelope) : undefined;
    if (!start || sagaId === undefined) return [];
    return start(event).map((t) => ({ ...t, saga: saga.name, sagaId }));
  });
}

/** Event types (the subject's last token) a saga consumes. */
export const sagaEventTypes = (saga: SagaDefinition): Set<string> =>
  new Set([...saga.startedBy, ...(saga.handles ?? [])]);
