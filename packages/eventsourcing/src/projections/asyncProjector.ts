import type { Pool, PoolClient } from 'pg';
import { parkDeadLetter } from '../deadLetters/deadLetters.js';
import { inTransaction } from '../postgres/connections.js';
import { readAllWith } from '../postgres/pgEventStore.js';
import { quoteIdent, schemasOf } from '../postgres/sql.js';
import { BatchRetries } from '../retry/batchRetries.js';
import { positionOf, type RecordedEvent } from '../store/types.js';
import { inSpan, linksTo, untraced } from '../tracing/tracing.js';
import { LeaderWorker, type WorkerState } from '../workers/leaderWorker.js';
import { readCheckpoint, writeCheckpoints } from './checkpoints.js';
import { lockReadModelShared } from './locks.js';
import { projectBatch } from './projectBatch.js';
import type { AnyProjection } from './projection.js';

export type ProjectorState = WorkerState;

export interface AsyncProjectorOptions {
  pool: Pool;
  service: string;
  projection: AnyProjection;
  /** Resolves on the next append notification or after the timeout (PostgresEventStore.waitForAppend). */
  waitForAppend: (timeoutMs: number) => Promise<void>;
  batchSize?: number;
  pollIntervalMs?: number;
  /** Attempts before a failing event is parked (default 5). */
  maxAttempts?: number;
  retryBaseDelayMs?: number;
  retryMaxDelayMs?: number;
  standbyRetryMs?: number;
  onError?: (error: unknown) => void;
  /** Test seam: runs just before a batch commits. */
  beforeCommit?: (client: PoolClient, events: RecordedEvent[]) => Promise<void>;
}

/**
 * Runs one async projection as a catch-up subscription. One process is active (a session
 * advisory lock), others wait on standby. Each batch reads after the checkpoint and writes rows
 * and checkpoint in one transaction, so a crash at any point replays the batch exactly once.
 * A batch that keeps failing is retried event by event; an event that still fails is parked
 * as a dead letter and the projection moves on.
 */
export class AsyncProjector {
  private readonly worker: LeaderWorker;
  private readonly schemas: ReturnType<typeof schemasOf>;
  private readonly eventsTable: string;
  private readonly retries: BatchRetries;

  constructor(private readonly options: AsyncProjectorOptions) {
    this.retries = new BatchRetries(options);
    this.schemas = schemasOf(options.service);
    this.eventsTable = `${quoteIdent(this.schemas.eventStore)}."events"`;
    this.worker = new LeaderWorker({
      pool: options.pool,
      service: options.service,
      worker: `projection:${options.projection.name}`,
      work: (client, stopping) => this.project(client, stopping),
      standbyRetryMs: options.standbyRetryMs,
      retryBaseDelayMs: options.retryBaseDelayMs,
      onError: options.onError,
    });
  }

  get status(): ProjectorState {
    return this.worker.status;
  }

  start(): void {
    this.worker.start();
  }

  async stop(): Promise<void> {
    await this.worker.stop();
  }

  private get name(): string {
    return this.options.projection.name;
  }

  private async project(client: PoolClient, stopping: () => boolean): Promise<void> {
    const batchSize = this.options.batchSize ?? 500;
    while (!stopping()) {
      const size = this.retries.sizeOf(batchSize);
      // Idle polls are not traced; a batch that finds events gets its own span (processBatch).
      const processed = await untraced(() => this.processWithRetries(client, size));
      if (processed < size) await this.options.waitForAppend(this.options.pollIntervalMs ?? 500);
    }
  }

  private processWithRetries(client: PoolClient, size: number): Promise<number> {
    return this.retries.run(
      (onRead) => this.processBatch(client, size, onRead),
      (event, error, attempts) => this.park(client, event, error, attempts),
      () =>
        client.query('ROLLBACK').then(
          () => undefined,
          () => undefined,
        ),
    );
  }

  private async processBatch(
    client: PoolClient,
    size: number,
    onRead: (events: RecordedEvent[]) => void,
  ): Promise<RecordedEvent[]> {
    const { readModel, eventStore } = this.schemas;
    const startTime = Date.now();
    await client.query('BEGIN');
    await lockReadModelShared(client, this.options.service);
    const after = await readCheckpoint(client, readModel, this.name);
    const events = await readAllWith(client, this.eventsTable, eventStore, { after, maxCount: size });
    onRead(events);
    if (events.length === 0) {
      await client.query('COMMIT');
      return events;
    }
    // One span per batch: in the trace of its event when it holds one, linked to all of them.
    const span = {
      attributes: { 'ledgerline.projection': this.name, 'ledgerline.batch.events': events.length },
      links: linksTo(events.map((event) => event.meta)),
      parent: events.length === 1 ? events[0]!.meta : undefined,
      startTime,
    };
    await inSpan(`projection ${this.name} batch`, span, async () => {
      await projectBatch(client, readModel, this.options.projection, events);
      await writeCheckpoints(client, readModel, [this.name], positionOf(events.at(-1)!));
      await this.options.beforeCommit?.(client, events);
      await client.query('COMMIT');
    });
    return events;
  }

  private async park(
    client: PoolClient,
    event: RecordedEvent,
    error: unknown,
    attempts: number,
  ): Promise<void> {
    await inTransaction(client, async () => {
      await lockReadModelShared(client, this.options.service);
      await parkDeadLetter(client, this.options.service, {
        sourceKind: 'projection',
        sourceName: this.name,
        messageId: event.id,
        messageType: event.type,
        globalPosition: event.globalPosition,
        payload: event,
        error,
        attempts,
      });
      await writeCheckpoints(client, this.schemas.readModel, [this.name], positionOf(event));
    });
  }
}
