import type { EventEnvelope } from '@ledgerline/contracts';
import type { AnyReactor, ReactorContext } from '../reactors/reactor.js';
import { ReactorRunner, type ReactorRunnerOptions } from '../reactors/reactorRunner.js';
import { toWireEnvelope } from '../relay/envelope.js';
import type { RecordedEvent } from '../store/types.js';
import type { WorkerState } from '../workers/leaderWorker.js';
import { type SagaCommandSenderOptions, sagaCommandSender } from './commandSender.js';
import { type SagaDefinition, sagaEventTypes } from './saga.js';
import { runSagaSteps, type SagaStepInput } from './sagaStep.js';

/** What the command sender takes, and the reactor's batch size, clock and test seam. */
export interface RunSagaOnLogOptions extends SagaCommandSenderOptions {
  /** Events read per transaction (default 100). */
  batchSize?: number;
  /** Clock for decide; defaults to the wall clock. */
  now?: () => Date;
  /** Test seam: runs just before a batch commits (ReactorRunnerOptions.beforeCommit). */
  beforeCommit?: ReactorRunnerOptions['beforeCommit'];
}

/** A saga on the log as a runtime worker: stopping it also waits for the commands it is sending. */
export interface RunningSagaOnLog {
  readonly name: string;
  readonly status: WorkerState;
  start(): void;
  stop(): Promise<void>;
}

/** The reactor's name (its checkpoint, lock and dead letters): `saga-<saga name>`. */
export const sagaReactorName = (saga: Pick<SagaDefinition, 'name'>): string => `saga-${saga.name}`;

/**
 * A process manager driven by its own service's events, read from the service's event store: a
 * reactor (ReactorRunner: one active instance, checkpointed catch-up over the log) whose effect is
 * the saga step. The JetStream path (runSaga) is for events of other services; for the service's
 * own, the broker hop buys nothing and costs a relay publish, a JetStream write, a delivery, an
 * inbox row and a transaction per event. Here a batch of events is one transaction: the saga steps
 * of all of them and the checkpoint commit together (a crash replays the batch, every step happens
 * once), and the commands queued go out after the commit, in a lane per instance, like runSaga's.
 * The events it sees need not be public.
 */
export function runSagaOnLog(options: RunSagaOnLogOptions): RunningSagaOnLog {
  const { saga, store } = options;
  const commands = sagaCommandSender(options);
  const stepOf = (event: RecordedEvent, context: ReactorContext): SagaStepInput | undefined => {
    // The shape the saga sees on the JetStream path (the relay's wire envelope).
    const envelope = toWireEnvelope(event) as EventEnvelope;
    const sagaId = saga.correlationId(envelope);
    if (sagaId === undefined) return undefined;
    const input = { kind: 'event' as const, messageId: event.id, event: envelope };
    return { store, saga, sagaId, input, now: options.now?.() ?? context.now, cause: event.meta };
  };
  const runSteps = async (steps: SagaStepInput[], context: ReactorContext) => {
    const keys = await runSagaSteps(context.client, steps);
    for (const [n, step] of steps.entries()) {
      if (keys[n]!.length > 0) context.afterCommit(() => commands.send(step.sagaId, keys[n]!));
    }
  };
  const reactor: AnyReactor = {
    name: sagaReactorName(saga),
    canHandle: [...sagaEventTypes(saga)],
    async react(event, context) {
      const step = stepOf(event, context);
      if (step) await runSteps([step], context);
    },
    // Steps of different instances share their statements; an instance's later events wait for
    // the next round, so each of its steps sees the one before.
    async reactBatch(events, context) {
      const steps = events.flatMap((event) => stepOf(event, context) ?? []);
      for (const round of roundsByInstance(steps)) await runSteps(round, context);
    },
  };
  const runner = new ReactorRunner({
    pool: options.pool,
    service: options.service,
    store,
    reactor,
    batchSize: options.batchSize,
    onError: options.onError,
    beforeCommit: options.beforeCommit,
  });
  return {
    name: runner.name,
    get status() {
      return runner.status;
    },
    start: () => runner.start(),
    async stop() {
      await runner.stop();
      await commands.drain();
    },
  };
}

/** Steps split into rounds with one step per instance each, every instance's steps in order. */
function roundsByInstance(steps: SagaStepInput[]): SagaStepInput[][] {
  const rounds: SagaStepInput[][] = [];
  const seen = new Map<string, number>();
  for (const step of steps) {
    const round = seen.get(step.sagaId) ?? 0;
    seen.set(step.sagaId, round + 1);
    if (round === rounds.length) rounds.push([]);
    rounds[round]!.push(step);
  }
  return rounds;
}
