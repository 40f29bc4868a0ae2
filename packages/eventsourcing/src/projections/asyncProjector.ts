import type { Pool, PoolClient } from 'pg';
import { parkDeadLetter } from '../deadLetters/deadLetters.js';
import { inTransaction } from '../postgres/connections.js';
import { readAllWith } from '../postgres/pgEventStore.js';
import { quoteIdent, schemasOf } from '../postgres/sql.js';
import { backoffDelay, isPoisonError, sleep } from '../retry/backoff.js';
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
  private isolateRemaining = 0;

  constructor(private readonly options: AsyncProjectorOptions) {
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
      const size = this.isolateRemaining > 0 ? 1 : batchSize;
      // Idle polls are not traced; a batch that finds events gets its own span (processBatch).
      const processed = await untraced(() => this.processWithRetries(client, size));
      if (processed < size) await this.options.waitForAppend(this.options.pollIntervalMs ?? 500);
    }
  }

  private async processWithRetries(client: PoolClient, size: number): Promise<number> {
    const maxAttempts = this.options.maxAttempts ?? 5;
    for (let attempt = 1; ; attempt++) {
      let events: RecordedEvent[] = [];
      try {
        events = await this.processBatch(client, size, (read) => {
          events = read;
        });
        if (this.isolateRemaining > 0) this.isolateRemaining -= events.length;
        return events.length;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        if (!isPoisonError(error)) throw error;
        this.options.onError?.(error);
        if (attempt < maxAttempts) {
          await sleep(
            backoffDelay(attempt, this.options.retryBaseDelayMs ?? 100, this.options.retryMaxDelayMs ?? 5000),
          );
          continue;
        }
        if (events.length === 0) throw error;
        if (events.length > 1) {
          // Find the event at fault: go one by one through what this batch held.
          this.isolateRemaining = events.length;
          return 0;
        }
        await this.park(client, events[0]!, error, attempt);
        if (this.isolateRemaining > 0) this.isolateRemaining -= 1;
        return 1;
      }
    }
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
