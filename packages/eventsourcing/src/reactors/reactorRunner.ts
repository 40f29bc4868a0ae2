import type { Pool, PoolClient } from 'pg';
import { parkDeadLetter } from '../deadLetters/deadLetters.js';
import { inTransaction, isConnectionError } from '../postgres/connections.js';
import { type PostgresEventStore, readAllWith } from '../postgres/pgEventStore.js';
import { quoteIdent, schemasOf } from '../postgres/sql.js';
import { handles } from '../projections/projection.js';
import { readPosition, writePosition } from '../relay/positions.js';
import { HandlerError } from '../retry/backoff.js';
import { BatchRetries } from '../retry/batchRetries.js';
import { type LogPosition, positionOf, type RecordedEvent } from '../store/types.js';
import { inSpan, linksTo, untraced } from '../tracing/tracing.js';
import { LeaderWorker, type WorkerState } from '../workers/leaderWorker.js';
import { type AnyReactor, reactorContext, reactorWorkerName } from './reactor.js';

/**
 * Batches of events the reactor does not handle are read outside a transaction and move only this
 * instance's position; the checkpoint follows at most this late (a restart re-reads them: nothing
 * to do). A service whose log is mostly other events (the files service's uploads) paid a
 * transaction of five statements per poll for nothing.
 */
const CHECKPOINT_LAG_MS = 1_000;

export interface ReactorRunnerOptions {
  pool: Pool;
  service: string;
  /** The service's store: effects append through it, and its notifications wake the runner. */
  store: PostgresEventStore;
  reactor: AnyReactor;
  /** Events read per transaction (default 100). */
  batchSize?: number;
  pollIntervalMs?: number;
  /** Attempts before a failing event is parked (default 5). */
  maxAttempts?: number;
  retryBaseDelayMs?: number;
  retryMaxDelayMs?: number;
  standbyRetryMs?: number;
  /** The clock effects see (default: the wall clock). */
  now?: () => Date;
  onError?: (error: unknown) => void;
  /** Test seam: runs just before a batch commits (its effects and checkpoint are written). */
  beforeCommit?: (client: PoolClient, events: RecordedEvent[]) => Promise<void>;
}

/**
 * Runs one reactor as a catch-up subscription over the service's own log: one active instance per
 * reactor (LeaderWorker's advisory lock; the others on standby). Each batch reads after the
 * checkpoint, runs the effect of every handled event, and moves the checkpoint, in ONE
 * transaction: a crash anywhere replays the batch, and the effect happens once. Batches with no
 * handled event are skipped outside a transaction (see CHECKPOINT_LAG_MS). A batch that keeps
 * failing is retried event by event; an event that still fails is parked as a `reactor` dead
 * letter (retryReactorDeadLetter applies it after a fix) and the reactor moves on. A lost
 * connection is not the event's fault: it is retried without end, reconnecting.
 */
export class ReactorRunner {
  private readonly worker: LeaderWorker;
  private readonly schema: string;
  private readonly eventsTable: string;
  private readonly position: string;
  private readonly retries: BatchRetries;

  constructor(private readonly options: ReactorRunnerOptions) {
    this.retries = new BatchRetries(options);
    this.schema = schemasOf(options.service).eventStore;
    this.eventsTable = `${quoteIdent(this.schema)}."events"`;
    this.position = reactorWorkerName(options.reactor);
    this.worker = new LeaderWorker({
      pool: options.pool,
      service: options.service,
      worker: this.position,
      work: (client, stopping) => this.run(client, stopping),
      standbyRetryMs: options.standbyRetryMs,
      retryBaseDelayMs: options.retryBaseDelayMs,
      onError: options.onError,
    });
  }

  get name(): string {
    return this.options.reactor.name;
  }

  get status(): WorkerState {
    return this.worker.status;
  }

  start(): void {
    this.worker.start();
  }

  /** Stops after the batch in flight; resolves when the loop has ended and the lock is released. */
  async stop(): Promise<void> {
    await this.worker.stop();
  }

  private async run(client: PoolClient, stopping: () => boolean): Promise<void> {
    const batchSize = this.options.batchSize ?? 100;
    const start = await untraced(() => readPosition(client, this.schema, this.position));
    const position = new LeaderPosition(start, (at) => this.checkpoint(client, at));
    try {
      while (!stopping()) {
        const size = this.retries.sizeOf(batchSize);
        // Idle polls and skipped events are not traced; a batch it handles gets its own span (processBatch).
        const peek = await untraced(() =>
          readAllWith(client, this.eventsTable, this.schema, {
            after: position.at,
            maxCount: size,
            dataOf: this.options.reactor.canHandle,
          }),
        );
        let read = peek.length;
        if (peek.length > 0 && !peek.some((event) => handles(this.options.reactor, event))) {
          position.skipTo(positionOf(peek.at(-1)!));
        } else if (peek.length > 0) {
          await untraced(() => position.save()); // the batch reads after the checkpoint
          read = await untraced(() => this.processWithRetries(client, size));
          position.saved(await untraced(() => readPosition(client, this.schema, this.position)));
        }
        await untraced(() => position.saveIfLate());
        if (read < size && !stopping()) {
          await this.options.store.waitForAppend(
            Math.min(this.options.pollIntervalMs ?? 500, position.dueInMs()),
          );
        }
      }
    } finally {
      await untraced(() => position.save()).catch(() => undefined);
    }
  }

  private processWithRetries(client: PoolClient, size: number): Promise<number> {
    return this.retries.run(
      (onRead) => this.processBatch(client, size, onRead),
      (event, error, attempts) => this.park(client, event, error, attempts),
    );
  }

  private async processBatch(
    client: PoolClient,
    size: number,
    onRead: (events: RecordedEvent[]) => void,
  ): Promise<RecordedEvent[]> {
    const after: Array<() => Promise<void>> = [];
    let appended = false;
    const startTime = Date.now();
    const events = await inTransaction(client, async () => {
      const from = await readPosition(client, this.schema, this.position);
      const read = await readAllWith(client, this.eventsTable, this.schema, {
        after: from,
        maxCount: size,
        dataOf: this.options.reactor.canHandle,
      });
      onRead(read);
      if (read.length === 0) return read;
      // One span per batch: in the trace of its event when it holds one, linked to all of them.
      const span = {
        attributes: { 'ledgerline.reactor': this.name, 'ledgerline.batch.events': read.length },
        links: linksTo(read.map((event) => event.meta)),
        parent: read.length === 1 ? read[0]!.meta : undefined,
        startTime,
      };
      await inSpan(`reactor ${this.name} batch`, span, async () => {
        const context = reactorContext(client, this.options.store, this.options.now?.() ?? new Date(), after);
        await this.react(
          read.filter((event) => handles(this.options.reactor, event)),
          context,
        );
        await this.checkpoint(client, positionOf(read.at(-1)!));
        await this.options.beforeCommit?.(client, read);
        appended = context.appended();
      });
      return read;
    });
    if (appended) this.options.store.notifyAppended();
    for (const work of after) await work().catch((error: unknown) => this.options.onError?.(error));
    return events;
  }

  private async react(events: RecordedEvent[], context: Parameters<AnyReactor['react']>[1]): Promise<void> {
    const { reactor } = this.options;
    if (reactor.reactBatch && events.length > 0) {
      await failsAs(events[0]!, () => reactor.reactBatch!(events, context));
    } else {
      for (const event of events) await failsAs(event, () => reactor.react(event, context));
    }
  }

  private checkpoint(client: PoolClient, position: LogPosition): Promise<void> {
    return writePosition(client, this.schema, this.position, position);
  }

  private async park(client: PoolClient, event: RecordedEvent, error: unknown, attempts: number) {
    await inTransaction(client, async () => {
      await parkDeadLetter(client, this.options.service, {
        sourceKind: 'reactor',
        sourceName: this.name,
        messageId: event.id,
        messageType: event.type,
        globalPosition: event.globalPosition,
        payload: event,
        error: error instanceof HandlerError && error.cause !== undefined ? error.cause : error,
        attempts,
      });
      await this.checkpoint(client, positionOf(event));
    });
  }
}

// An effect's failure is the event's (for a batch: the batch's, retried, then taken event by event
// and parked), unless the connection broke.
async function failsAs(event: RecordedEvent, effect: () => Promise<void>): Promise<void> {
  try {
    await effect();
  } catch (error) {
    if (isConnectionError(error)) throw error;
    throw new HandlerError(event.id, error);
  }
}

/**
 * A leading instance's position in the log and its checkpoint: batches it skipped move the position
 * only; the checkpoint is written before a batch it handles, and at most CHECKPOINT_LAG_MS late.
 */
class LeaderPosition {
  private checkpointed: LogPosition;
  private checkpointedAt = Date.now();

  constructor(
    public at: LogPosition,
    private readonly write: (position: LogPosition) => Promise<void>,
  ) {
    this.checkpointed = at;
  }

  skipTo(position: LogPosition): void {
    this.at = position;
  }

  /** The checkpoint a handled batch wrote in its transaction. */
  saved(position: LogPosition): void {
    this.at = this.checkpointed = position;
    this.checkpointedAt = Date.now();
  }

  async save(): Promise<void> {
    if (this.checkpointed === this.at) return;
    await this.write(this.at);
    this.saved(this.at);
  }

  async saveIfLate(): Promise<void> {
    if (Date.now() - this.checkpointedAt >= CHECKPOINT_LAG_MS) await this.save();
  }

  /** How long an idle wait may be before the checkpoint is due (no limit when it is written). */
  dueInMs(): number {
    return this.checkpointed === this.at ? Number.POSITIVE_INFINITY : CHECKPOINT_LAG_MS;
  }
}
