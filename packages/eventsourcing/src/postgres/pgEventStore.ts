import { randomFillSync } from 'node:crypto';
import { ConcurrencyError, ConflictError } from '@ledgerline/contracts';
import type { Pool, PoolClient } from 'pg';
import { v7 as uuidv7 } from 'uuid';
import type {
  AppendOptions,
  AppendResult,
  EventStore,
  ExpectedVersion,
  NewEvent,
  ProjectedRows,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  Reservation,
  SubscribeOptions,
  Subscription,
} from '../store/types.js';
import { appendStatement } from './appendSql.js';
import { PgNotifier } from './notifier.js';
import { EVENT_COLUMNS, type EventRow, streamTypeOf, toRecordedEvent } from './rows.js';
import { isPgError, PG_UNIQUE_VIOLATION, quoteIdent, schemasOf } from './sql.js';
import { pollingSubscription } from './subscription.js';

/**
 * Runs inside an append's transaction, after the events are written (inline projections). May
 * return the read-model rows it wrote; they reach the caller as `AppendResult.projected`.
 */
export type AppendHook = (client: PoolClient, events: RecordedEvent[]) => Promise<ProjectedRows | undefined>;

export interface PostgresEventStoreOptions {
  pool: Pool;
  service: string;
  /** Inline projections and other same-transaction writers. */
  appendHooks?: AppendHook[];
  /** How often subscribers poll when no notification arrives (a late commit sends none). */
  pollIntervalMs?: number;
}

/** The Postgres adapter of the event-store port (ARCHITECTURE.md, "Event store"). */
export class PostgresEventStore implements EventStore {
  readonly schema: string;
  readonly table: string;
  private readonly pool: Pool;
  private readonly hooks: AppendHook[];
  private readonly notifier: PgNotifier;
  private readonly pollIntervalMs: number;

  constructor(options: PostgresEventStoreOptions) {
    this.pool = options.pool;
    this.schema = schemasOf(options.service).eventStore;
    this.table = `${quoteIdent(this.schema)}."events"`;
    this.hooks = options.appendHooks ?? [];
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.notifier = new PgNotifier(this.pool, `${this.schema}_events`);
  }

  async append(streamId: string, events: NewEvent[], options: AppendOptions): Promise<AppendResult> {
    if (events.length === 0) throw new ConflictError('an append needs at least one event', { streamId });
    const needsTransaction = this.hooks.length > 0 || options.reserve?.length || options.release?.length;
    const result = needsTransaction
      ? await this.inTransaction((client) => this.appendWith(client, streamId, events, options))
      : await this.appendOnce(this.pool, streamId, events, options);
    this.notifier.notifyAppended();
    return result;
  }

  /** Wakes subscribers after a transaction that called `appendWith` has committed. */
  notifyAppended(): void {
    this.notifier.notifyAppended();
  }

  /**
   * Appends inside a transaction the caller owns (consumers and sagas commit their inbox row
   * and their events together). Runs reservations and append hooks too. Call `notifyAppended()`
   * after the commit to wake subscribers at once (they poll otherwise).
   */
  async appendWith(
    client: PoolClient,
    streamId: string,
    events: NewEvent[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    if (options.release?.length) await this.release(client, streamId, options.release);
    if (options.reserve?.length) await this.reserve(client, streamId, options.reserve);
    const result = await this.appendOnce(client, streamId, events, options);
    const projected = new Map<string, ReadonlyMap<string, Record<string, unknown> | null>>();
    for (const hook of this.hooks) {
      for (const [table, rows] of (await hook(client, result.events)) ?? []) projected.set(table, rows);
    }
    return projected.size > 0 ? { ...result, projected } : result;
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const { rows } = await this.pool.query<EventRow>({
      name: `${this.schema}:readStream`,
      text: `SELECT ${EVENT_COLUMNS} FROM ${this.table}
             WHERE stream_id = $1 AND stream_version >= $2 ORDER BY stream_version LIMIT $3`,
      values: [streamId, options.fromVersion ?? 1, options.maxCount ?? 2_147_483_647],
    });
    return rows.map(toRecordedEvent);
  }

  async streamVersion(streamId: string): Promise<number> {
    const { rows } = await this.pool.query<{ version: number }>(
      `SELECT coalesce(max(stream_version), 0) AS version FROM ${this.table} WHERE stream_id = $1`,
      [streamId],
    );
    return rows[0]?.version ?? 0;
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    return readAllWith(this.pool, this.table, this.schema, options);
  }

  subscribe(options: SubscribeOptions): Subscription {
    return pollingSubscription({
      read: (after, maxCount) => this.readAll({ after, maxCount }),
      notifier: this.notifier,
      pollIntervalMs: this.pollIntervalMs,
      ...options,
    });
  }

  /** Resolves on the next commit notification or after `timeoutMs`. */
  waitForAppend(timeoutMs: number): Promise<void> {
    return this.notifier.wait(timeoutMs);
  }

  async close(): Promise<void> {
    await this.notifier.close();
  }

  private async appendOnce(
    db: Pool | PoolClient,
    streamId: string,
    events: NewEvent[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    const expected: ExpectedVersion = options.expectedVersion === 0 ? 'no_stream' : options.expectedVersion;
    const statement = appendStatement(this.table, this.schema, expected);
    const prepared = events.map((event) => ({
      ...event,
      id: event.id ?? newEventId(),
      schemaVersion: event.schemaVersion ?? 1,
      meta: { ...options.meta, ...event.meta },
    }));
    try {
      const { rows } = await db.query<Omit<EventRow, 'stream_id' | 'event_id' | 'event_type'>>({
        name: statement.name,
        text: statement.text,
        values: [
          streamId,
          streamTypeOf(streamId),
          statement.baseVersion,
          prepared.map((e) => e.id),
          prepared.map((e) => e.type),
          prepared.map((e) => e.schemaVersion),
          prepared.map((e) => JSON.stringify(e.data ?? null)),
          prepared.map((e) => JSON.stringify(e.meta)),
        ],
      });
      if (rows.length === 0) throw await this.concurrencyError(db, streamId, expected);
      const recorded = rows.map((row, i) => {
        const event = prepared[i]!;
        return {
          id: event.id,
          type: event.type,
          schemaVersion: event.schemaVersion,
          streamId,
          streamPosition: row.stream_version,
          globalPosition: Number(row.global_position),
          transactionId: Number(row.transaction_id_text),
          occurredAt: row.recorded_at,
          data: event.data,
          meta: event.meta,
        } satisfies RecordedEvent;
      });
      return { nextExpectedVersion: recorded.at(-1)!.streamPosition, events: recorded };
    } catch (error) {
      if (isPgError(error, PG_UNIQUE_VIOLATION) && error.constraint === 'events_stream_version_key') {
        if (expected === 'any' && db === this.pool) return this.appendOnce(db, streamId, events, options);
        throw await this.concurrencyError(db, streamId, expected);
      }
      if (isPgError(error, PG_UNIQUE_VIOLATION) && error.constraint === 'events_event_id_key') {
        throw new ConflictError('an event with this id is already stored', {
          streamId,
          reason: 'duplicate_event',
        });
      }
      throw error;
    }
  }

  private async concurrencyError(db: Pool | PoolClient, streamId: string, expected: ExpectedVersion) {
    // Inside a failed transaction nothing more can be read; report without the actual version.
    const actualVersion = db === this.pool ? await this.streamVersion(streamId) : undefined;
    return new ConcurrencyError({ streamId, expectedVersion: expected, actualVersion });
  }

  private async reserve(client: PoolClient, streamId: string, reservations: Reservation[]): Promise<void> {
    // ON CONFLICT keeps the transaction usable and lets the same stream re-claim what it holds.
    const { rows } = await client.query<{ scope: string; value: string }>(
      `INSERT INTO ${quoteIdent(this.schema)}."reservations" (scope, value, stream_id)
       SELECT * FROM unnest($1::text[], $2::text[], array_fill($3::text, ARRAY[cardinality($1::text[])]))
       ON CONFLICT (scope, value) DO UPDATE SET stream_id = excluded.stream_id
         WHERE reservations.stream_id = excluded.stream_id
       RETURNING scope, value`,
      [reservations.map((r) => r.scope), reservations.map((r) => r.value), streamId],
    );
    const claimed = new Set(rows.map((r) => `${r.scope}\u0000${r.value}`));
    const taken = reservations.find((r) => !claimed.has(`${r.scope}\u0000${r.value}`));
    if (taken) {
      throw new ConflictError(`${taken.scope} is already taken`, { scope: taken.scope, reason: 'reserved' });
    }
  }

  private async release(client: PoolClient, streamId: string, reservations: Reservation[]): Promise<void> {
    await client.query(
      `DELETE FROM ${quoteIdent(this.schema)}."reservations" r USING unnest($1::text[], $2::text[]) AS x(scope, value)
       WHERE r.scope = x.scope AND r.value = x.value AND r.stream_id = $3`,
      [reservations.map((r) => r.scope), reservations.map((r) => r.value), streamId],
    );
  }

  private async inTransaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}

// uuid's v7 asks the OS for 16 random bytes per id (a getrandom() syscall each): ~1.5% of
// identity's CPU on PATCH /me. Draw 4 KiB at a time and hand out 16 bytes per event id instead.
// Ids stay unique and time-ordered by millisecond, which is all event ids need (positions order).
const RANDOM_POOL = new Uint8Array(4096);
let randomOffset = RANDOM_POOL.length;
function newEventId(): string {
  if (randomOffset + 16 > RANDOM_POOL.length) {
    randomFillSync(RANDOM_POOL);
    randomOffset = 0;
  }
  const random = RANDOM_POOL.subarray(randomOffset, randomOffset + 16);
  randomOffset += 16;
  return uuidv7({ random });
}

/**
 * Reads the whole log after a position in (transaction_id, global_position) order, only below
 * the oldest transaction still running: a slow transaction's events appear once it commits,
 * after everything readers already passed, so none is skipped.
 */
export async function readAllWith(
  db: Pool | PoolClient,
  table: string,
  schema: string,
  options: ReadAllOptions = {},
): Promise<RecordedEvent[]> {
  const after = options.after ?? { transactionId: 0, globalPosition: 0 };
  const { rows } = await db.query<EventRow>({
    name: `${schema}:readAll`,
    text: `SELECT ${EVENT_COLUMNS} FROM ${table}
           WHERE (transaction_id, global_position) > ($1::text::xid8, $2::bigint)
             AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
           ORDER BY transaction_id, global_position LIMIT $3`,
    values: [String(after.transactionId), after.globalPosition, options.maxCount ?? 1000],
  });
  return rows.map(toRecordedEvent);
}
