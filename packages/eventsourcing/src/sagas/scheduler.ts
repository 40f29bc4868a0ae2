import type { NatsConnection } from '@nats-io/transport-node';
import type { Pool, PoolClient } from 'pg';
import { parkDeadLetter } from '../deadLetters/deadLetters.js';
import { withTransaction } from '../postgres/connections.js';
import type { PostgresEventStore } from '../postgres/pgEventStore.js';
import { quoteIdent, schemasOf } from '../postgres/sql.js';
import { backoffDelay, isPoisonError, sleep } from '../retry/backoff.js';
import { untraced } from '../tracing/tracing.js';
import { CommandDispatcher } from './commandDispatcher.js';
import type { SagaDefinition } from './saga.js';
import { runSagaStep } from './sagaStep.js';

export interface SagaSchedulerOptions {
  pool: Pool;
  service: string;
  nc: NatsConnection;
  store: PostgresEventStore;
  sagas: SagaDefinition[];
  pollIntervalMs?: number;
  /** Timeouts and pending commands handled per tick, each (default 100). */
  batchSize?: number;
  commandTimeoutMs?: number;
  onError?: (error: unknown) => void;
}

interface DueRow {
  id: string;
  saga: string;
  saga_id: string;
  message_type: string;
  payload: unknown;
  due_at: string;
}

/**
 * Delivers due `scheduled_messages` to their sagas as `timeout` inputs, one row per transaction
 * that also marks it delivered (`FOR UPDATE SKIP LOCKED`: any number of instances can poll), and
 * resends saga commands left unsent (a crash after commit, a missing reply). A timeout whose
 * decision throws is parked as a `saga` dead letter and marked cancelled, so it cannot spin.
 */
export class SagaScheduler {
  private readonly dispatcher: CommandDispatcher;
  private readonly table: string;
  private stopping = false;
  private loop: Promise<void> | undefined;

  constructor(private readonly options: SagaSchedulerOptions) {
    this.dispatcher = new CommandDispatcher({ ...options, timeoutMs: options.commandTimeoutMs });
    this.table = `${quoteIdent(schemasOf(options.service).eventStore)}."scheduled_messages"`;
  }

  /** Starts polling. */
  start(): void {
    this.stopping = false;
    this.loop ??= this.run().finally(() => {
      this.loop = undefined;
    });
  }

  /** Stops after the tick in progress. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop;
  }

  /** One poll: delivers due timeouts, then sends due commands. */
  async tick(): Promise<{ timeouts: number; commands: number }> {
    const limit = this.options.batchSize ?? 100;
    let timeouts = 0;
    const keys: string[] = [];
    while (timeouts < limit) {
      const delivered = await this.deliverNext();
      if (!delivered) break;
      timeouts++;
      keys.push(...delivered.keys);
    }
    const commands = (await this.dispatcher.dispatch(keys)) + (await this.dispatcher.dispatchDue(limit));
    return { timeouts, commands };
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      try {
        // Polls are not traced; each delivered timeout is a saga step span of its own.
        const { timeouts } = await untraced(() => this.tick());
        failures = 0;
        if (timeouts === 0) await sleep(this.options.pollIntervalMs ?? 1000);
      } catch (error) {
        this.options.onError?.(error);
        await sleep(backoffDelay(++failures, 100, 5000));
      }
    }
  }

  private async deliverNext(): Promise<{ keys: string[] } | undefined> {
    let row: DueRow | undefined;
    try {
      return await withTransaction(this.options.pool, async (client) => {
        row = await this.lockNextDue(client);
        const keys = row ? await this.deliver(client, row) : [];
        return row && { keys };
      });
    } catch (error) {
      if (!row || !isPoisonError(error)) throw error;
      await this.park(row, error);
      return { keys: [] };
    }
  }

  private async lockNextDue(client: PoolClient): Promise<DueRow | undefined> {
    const { rows } = await client.query<DueRow>(
      `SELECT id, saga, saga_id, message_type, payload, to_json(due_at) #>> '{}' AS due_at FROM ${this.table}
       WHERE due_at <= now() AND delivered_at IS NULL AND cancelled_at IS NULL AND saga = ANY($1)
       ORDER BY due_at LIMIT 1 FOR UPDATE SKIP LOCKED`,
      [this.options.sagas.map((s) => s.name)],
    );
    return rows[0];
  }

  private async deliver(client: PoolClient, row: DueRow): Promise<string[]> {
    const saga = this.options.sagas.find((s) => s.name === row.saga)!;
    const input = {
      kind: 'timeout' as const,
      messageId: row.id,
      type: row.message_type,
      payload: row.payload,
      dueAt: row.due_at,
    };
    const keys = await runSagaStep(client, {
      store: this.options.store,
      saga,
      sagaId: row.saga_id,
      input,
      now: new Date(),
    });
    await client.query(`UPDATE ${this.table} SET delivered_at = now() WHERE id = $1`, [row.id]);
    return keys;
  }

  private async park(row: DueRow, error: unknown): Promise<void> {
    await withTransaction(this.options.pool, async (client) => {
      await parkDeadLetter(client, this.options.service, {
        sourceKind: 'saga',
        sourceName: row.saga,
        messageId: row.id,
        messageType: row.message_type,
        payload: row,
        error,
        attempts: 1,
      });
      await client.query(`UPDATE ${this.table} SET cancelled_at = now() WHERE id = $1`, [row.id]);
    });
  }
}
