import { ConcurrencyError, ConflictError, isAppError, type MessageMeta, uuidv7 } from '@ledgerline/contracts';
import type { Pool, PoolClient } from 'pg';
import {
  forgetStatement,
  namedStatement,
  type WritePlan,
  type WrittenRow,
} from '../projections/tableWriter.js';
import type {
  AppendOptions,
  AppendResult,
  ExpectedVersion,
  MultiAppendResult,
  MultiStreamEventStore,
  NewEvent,
  ProjectedRows,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  Reservation,
  StreamAppend,
  SubscribeOptions,
  Subscription,
} from '../store/types.js';
import { detachedFromTraces, stampTrace } from '../tracing/tracing.js';
import { AppendBatcher } from './appendBatcher.js';
import { appendStatement, appendTogetherStatement } from './appendSql.js';
import {
  allSettledOrCause,
  asUnavailable,
  coalesceWrites,
  guardPool,
  pipelined,
  withClient,
} from './connections.js';
import { PgNotifier } from './notifier.js';
import {
  EVENT_COLUMNS,
  type EventRow,
  eventColumnsWithDataOf,
  streamTypeOf,
  toRecordedEvent,
} from './rows.js';
import { insertTimeouts } from './scheduledTimeouts.js';
import { isPgError, PG_UNIQUE_VIOLATION, quoteIdent, schemasOf } from './sql.js';
import { pollingSubscription } from './subscription.js';

/**
 * Runs inside an append's transaction, after the events are written (inline projections). May
 * return the read-model rows it wrote; they reach the caller as `AppendResult.projected`.
 *
 * With `preload`, the rows the hook will need are loaded by the append statement itself (a CTE
 * beside the INSERT), so the append and the load cost one round trip; the hook receives what
 * `read` made of those rows as `preloaded`.
 */
export interface AppendHook {
  (client: PoolClient, events: RecordedEvent[], preloaded?: unknown): Promise<ProjectedRows | undefined>;
  /**
   * The hook's work up to its one write statement, which it returns instead of running: the store
   * sends it with COMMIT right behind when the append owns its transaction.
   */
  plan?(
    client: PoolClient,
    events: RecordedEvent[],
    preloaded?: unknown,
    options?: { returning?: boolean },
  ): Promise<WritePlan>;
  /** A `SELECT i, id, doc` for the events about to be appended (not numbered yet), parameters from `firstParam`. */
  preload?(db: PoolClient, events: RecordedEvent[], firstParam: number): Promise<AppendPreload | undefined>;
}

/** A load that rides in the append statement, and how to read its rows. */
export interface AppendPreload {
  text: string;
  values: unknown[];
  read(rows: Array<{ i: number; id: string; doc: Record<string, unknown> }>): unknown;
}

// The append statement's own parameters are $1..$8 ($1..$9 for several streams together); a preload's start after them.
const PRELOAD_FIRST_PARAM = 9;
const TOGETHER_PRELOAD_FIRST_PARAM = 10;

export interface PostgresEventStoreOptions {
  pool: Pool;
  service: string;
  /** Inline projections and other same-transaction writers. */
  appendHooks?: AppendHook[];
  /** How often subscribers poll when no notification arrives (a late commit sends none). */
  pollIntervalMs?: number;
  /**
   * Append transactions in flight at once (default 2); appends beyond share the next transaction
   * (group commit, see AppendBatcher). Leave pool connections for reads and workers.
   */
  appendConcurrency?: number;
}

/** The Postgres adapter of the event-store port (ARCHITECTURE.md, "Event store"). */
export class PostgresEventStore implements MultiStreamEventStore {
  readonly schema: string;
  readonly table: string;
  private readonly pool: Pool;
  private readonly hooks: AppendHook[];
  private readonly notifier: PgNotifier;
  private readonly pollIntervalMs: number;
  private readonly batcher: AppendBatcher;

  constructor(options: PostgresEventStoreOptions) {
    this.pool = guardPool(options.pool);
    this.schema = schemasOf(options.service).eventStore;
    this.table = `${quoteIdent(this.schema)}."events"`;
    this.hooks = options.appendHooks ?? [];
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.notifier = new PgNotifier(this.pool, `${this.schema}_events`);
    this.batcher = new AppendBatcher({
      maxInFlight: options.appendConcurrency ?? 2,
      run: (appends) => this.ownTransaction(appends, {}),
      // Commands that waited run after another request's transaction: outside every trace (their
      // events carry their own handler's trace, stamped in append() and appendMany()).
      detach: detachedFromTraces,
    });
  }

  async append(streamId: string, events: NewEvent[], options: AppendOptions): Promise<AppendResult> {
    if (events.length === 0) throw new ConflictError('an append needs at least one event', { streamId });
    const needsTransaction = this.hooks.length > 0 || options.reserve?.length || options.release?.length;
    const result = needsTransaction
      ? single(await this.batcher.append([{ ...options, streamId, events: events.map(stampEvent(options)) }]))
      : await this.appendOnce(this.pool, streamId, events, options).catch((error: unknown) => {
          throw asUnavailable(error);
        });
    this.notifier.notifyAppended();
    return result;
  }

  /**
   * Appends to several streams in one transaction, each at its own expected version, with the
   * reservations of each and one run of the inline projections over all the events: everything
   * commits or nothing does. A conflict on any stream is a ConcurrencyError (code CONFLICT). Under
   * load it shares a transaction with other commands (group commit, see AppendBatcher).
   */
  async appendMany(
    appends: StreamAppend[],
    options: Pick<AppendOptions, 'meta'> = {},
  ): Promise<MultiAppendResult> {
    const unit = appends.map((append) => {
      if (append.events.length === 0) {
        throw new ConflictError('an append needs at least one event', { streamId: append.streamId });
      }
      const meta = options.meta || append.meta ? { ...options.meta, ...append.meta } : undefined;
      const own = meta ? { ...append, meta } : append;
      return { ...own, events: append.events.map(stampEvent(own)) };
    });
    const result = await this.batcher.append(unit);
    this.notifier.notifyAppended();
    return result;
  }

  /**
   * An append in a transaction of its own, pipelined: BEGIN goes out with the first statement and
   * COMMIT right behind the inline projections' write, so an append with inline projections costs
   * two round trips (BEGIN+append+load, write+COMMIT) instead of five. Sending COMMIT before the
   * write's answer is safe: after a failed statement Postgres answers COMMIT with a rollback.
   */
  private ownTransaction(appends: StreamAppend[], options: Pick<AppendOptions, 'meta'>) {
    return withClient(this.pool, (client) =>
      pipelined(client, async (isPipelined) => {
        // BEGIN and every stream's append statement in one socket write.
        coalesceWrites(client);
        const begin = client.query('BEGIN');
        begin.catch(() => undefined); // awaited below; observed now so a failure is never unhandled
        try {
          const appended = await this.appendStreams(client, appends, options, isPipelined);
          await begin;
          const hook = this.hooks.length === 1 ? this.hooks[0] : undefined;
          if (hook?.plan) {
            // The written rows come back only if a command reads them (StreamAppend.returnProjected).
            const returning = appends.some((a) => a.returnProjected !== false);
            const projected = await commitBehind(
              client,
              await hook.plan(client, appended.events, appended.preloaded, { returning }),
            );
            return withProjected(appended, projected);
          }
          const result = await this.runHooks(client, appended);
          await client.query('COMMIT');
          return result;
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw error;
        }
      }),
    );
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
    const result = await this.appendManyWith(client, [{ ...options, streamId, events }]);
    const appended = result.streams[0]!;
    return result.projected ? { ...appended, projected: result.projected } : appended;
  }

  /** {@link appendMany} inside a transaction the caller owns (a reactor's, a consumer's). */
  async appendManyWith(
    client: PoolClient,
    appends: StreamAppend[],
    options: Pick<AppendOptions, 'meta'> = {},
  ): Promise<MultiAppendResult> {
    return this.runHooks(client, await this.appendStreams(client, appends, options));
  }

  // The appends' saga timeouts, sent ahead of the append statements (the same socket write on a
  // pipelined client): they commit with the events or not at all.
  private async appendStreams(
    client: PoolClient,
    appends: StreamAppend[],
    options: Pick<AppendOptions, 'meta'>,
    concurrently = false,
  ) {
    for (const { streamId, events } of appends) {
      if (events.length === 0) throw new ConflictError('an append needs at least one event', { streamId });
    }
    const timeouts = appends.flatMap((a) => a.schedule ?? []);
    if (timeouts.length === 0) return this.appendStreamsOnly(client, appends, options, concurrently);
    const scheduled = insertTimeouts(client, this.schema, timeouts);
    const appending = this.appendStreamsOnly(client, appends, options, concurrently);
    await allSettledOrCause<unknown>([appending, scheduled]);
    return appending;
  }

  // Reservations and appends of every stream; the last append statement also loads the rows the
  // inline projections need for every stream (one round trip for both).
  private async appendStreamsOnly(
    client: PoolClient,
    appends: StreamAppend[],
    options: Pick<AppendOptions, 'meta'>,
    concurrently: boolean,
  ) {
    // One statement for all streams where it can (not for 'any', reservations, or a stream twice).
    if (appends.length > 1 && appends.every(appendsTogether) && distinctStreams(appends)) {
      return this.appendTogether(client, appends, options);
    }
    const preload = await this.preload(client, appends);
    const appendOne = async (append: StreamAppend, last: AppendPreload | undefined) => {
      const { streamId, events } = append;
      const meta = options.meta || append.meta ? { ...options.meta, ...append.meta } : undefined;
      if (append.release?.length) await this.release(client, streamId, append.release);
      if (append.reserve?.length) await this.reserve(client, streamId, append.reserve);
      return this.appendOnce(client, streamId, events, { ...append, meta }, last);
    };
    const lastOf = (n: number) => (n === appends.length - 1 ? preload : undefined);
    // On a pipelined client every stream's statements go out at once (one round trip for all of
    // them); every answer is awaited before the first failure is reported.
    const results: Array<Awaited<ReturnType<typeof appendOne>>> = [];
    if (concurrently && appends.length > 1) {
      results.push(...(await allSettledOrCause(appends.map((append, n) => appendOne(append, lastOf(n))))));
    } else {
      for (const [n, append] of appends.entries()) results.push(await appendOne(append, lastOf(n)));
    }
    const preloaded = results.at(-1)?.loaded;
    const streams: AppendResult[] = results.map(({ loaded: _, ...result }) => result);
    return { streams, events: streams.flatMap((s) => s.events), preloaded };
  }

  private async runHooks(
    client: PoolClient,
    appended: { streams: AppendResult[]; events: RecordedEvent[]; preloaded: unknown },
  ): Promise<MultiAppendResult> {
    const projected = new Map<string, ReadonlyMap<string, Record<string, unknown> | null>>();
    for (const hook of this.hooks) {
      const rows = await hook(
        client,
        appended.events,
        hook === this.hooks[0] ? appended.preloaded : undefined,
      );
      for (const [table, written] of rows ?? []) projected.set(table, written);
    }
    return withProjected(appended, projected);
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const { rows } = await this.pool
      .query<EventRow>({
        name: `${this.schema}:readStream`,
        text: `SELECT ${EVENT_COLUMNS} FROM ${this.table}
             WHERE stream_id = $1 AND stream_version >= $2 ORDER BY stream_version LIMIT $3`,
        values: [streamId, options.fromVersion ?? 1, options.maxCount ?? 2_147_483_647],
      })
      .catch((error: unknown) => {
        throw asUnavailable(error);
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

  // What the first hook will load, asked from the events before they are numbered (ids and
  // positions are placeholders: documentId must not depend on them; if it does, the hook loads
  // what the preload missed itself, so this only ever costs a round trip, never correctness).
  private async preload(
    client: PoolClient,
    appends: StreamAppend[],
    firstParam = PRELOAD_FIRST_PARAM,
  ): Promise<AppendPreload | undefined> {
    const hook = this.hooks[0];
    if (!hook?.preload) return undefined;
    const pending = appends.flatMap(({ streamId, events }) =>
      events.map(
        (event): RecordedEvent => ({
          id: event.id ?? '',
          type: event.type,
          schemaVersion: event.schemaVersion ?? 1,
          streamId,
          streamPosition: 0,
          globalPosition: 0,
          transactionId: 0,
          occurredAt: '',
          data: event.data,
          meta: event.meta ?? {},
        }),
      ),
    );
    return hook.preload(client, pending, firstParam);
  }

  /**
   * Several streams' appends as ONE statement (appendTogetherStatement), with the inline
   * projections' preload beside it: a shared transaction of 30 uploads (60 streams) or a reactor's
   * batch of saga starts costs one statement instead of one per stream, in Postgres (parse, plan,
   * executor start per statement) and here (building, sending and parsing each).
   */
  private async appendTogether(
    client: PoolClient,
    appends: StreamAppend[],
    options: Pick<AppendOptions, 'meta'>,
  ): Promise<{ streams: AppendResult[]; events: RecordedEvent[]; preloaded: unknown }> {
    const preload = await this.preload(client, appends, TOGETHER_PRELOAD_FIRST_PARAM);
    const statement = withPreload(appendTogetherStatement(this.table, this.schema), preload);
    const streams = appends.map((append) => {
      const base = append.expectedVersion === 'no_stream' ? 0 : (append.expectedVersion as number);
      const meta = options.meta || append.meta ? { ...options.meta, ...append.meta } : undefined;
      return { append, base, events: append.events.map((event) => prepareEvent(event, meta)) };
    });
    const rowsOf = streams.flatMap(({ append, base, events }) =>
      events.map((event, n) => ({ streamId: append.streamId, base, version: base + n + 1, event })),
    );
    let rows: AppendedRow[];
    try {
      ({ rows } = await client.query<AppendedRow>({
        name: statement.name,
        text: statement.text,
        values: [
          rowsOf.map((r) => r.streamId),
          rowsOf.map((r) => streamTypeOf(r.streamId)),
          rowsOf.map((r) => r.base),
          rowsOf.map((r) => r.version),
          rowsOf.map((r) => r.event.id),
          rowsOf.map((r) => r.event.type),
          rowsOf.map((r) => r.event.schemaVersion),
          rowsOf.map((r) => JSON.stringify(r.event.data ?? null)),
          rowsOf.map((r) => JSON.stringify(r.event.meta)),
          ...(preload?.values ?? []),
        ],
      }));
    } catch (error) {
      if (preload && !isAppError(error) && !isPgError(error, PG_UNIQUE_VIOLATION))
        forgetStatement(statement.text);
      throw conflictOf(error, appends) ?? error;
    }
    const stored = new Map<string, AppendedRow>();
    for (const row of preload ? rows.filter((r) => r.i === null || r.i === undefined) : rows) {
      stored.set(`${row.stream_id}\u0000${row.stream_version}`, row);
    }
    const results = streams.map(({ append, base, events }): AppendResult => {
      const recorded = events.map((event, n) => {
        const row = stored.get(`${append.streamId}\u0000${base + n + 1}`);
        if (!row)
          throw new ConcurrencyError({ streamId: append.streamId, expectedVersion: append.expectedVersion });
        return recordedFrom(append.streamId, event, row);
      });
      return { nextExpectedVersion: recorded.at(-1)!.streamPosition, events: recorded };
    });
    return {
      streams: results,
      events: results.flatMap((r) => r.events),
      preloaded: preload ? preload.read(loadedRows(rows)) : undefined,
    };
  }

  private async appendOnce(
    db: Pool | PoolClient,
    streamId: string,
    events: NewEvent[],
    options: AppendOptions,
    preload?: AppendPreload,
  ): Promise<AppendResult & { loaded?: unknown }> {
    const expected: ExpectedVersion = options.expectedVersion === 0 ? 'no_stream' : options.expectedVersion;
    const statement = withPreload(appendStatement(this.table, this.schema, expected), preload);
    const prepared = events.map((event) => prepareEvent(event, options.meta));
    try {
      const { rows } = await db.query<AppendedRow>({
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
          ...(preload?.values ?? []),
        ],
      });
      const appended = preload ? appendedRows(rows) : rows;
      if (appended.length === 0) throw await this.concurrencyError(db, streamId, expected);
      const recorded = appended.map((row, i) => recordedFrom(streamId, prepared[i]!, row));
      const result = { nextExpectedVersion: recorded.at(-1)!.streamPosition, events: recorded };
      return preload ? { ...result, loaded: preload.read(loadedRows(rows)) } : result;
    } catch (error) {
      if (preload && !isAppError(error) && !isPgError(error, PG_UNIQUE_VIOLATION))
        forgetStatement(statement.text);
      if (isPgError(error, PG_UNIQUE_VIOLATION) && error.constraint === 'events_stream_version_key') {
        if (expected === 'any' && db === this.pool)
          return this.appendOnce(db, streamId, events, options, preload);
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
}

// The appending handler's trace on each event, taken now: a shared transaction runs outside it.
const stampEvent =
  (options: AppendOptions) =>
  (event: NewEvent): NewEvent => ({ ...event, meta: stampTrace({ ...options.meta, ...event.meta }) });

// Event ids come from the one UUIDv7 source (@ledgerline/contracts), which draws its randomness
// 4 KiB at a time: a getrandom() per id was ~1.5% of identity's CPU on PATCH /me.
const newEventId = (): string => uuidv7();

/** An event as it is stored: its id, schema version and meta settled. */
type PreparedEvent = NewEvent & { id: string; schemaVersion: number; meta: Partial<MessageMeta> };

const prepareEvent = (event: NewEvent, meta: Partial<MessageMeta> | undefined): PreparedEvent => ({
  ...event,
  id: event.id ?? newEventId(),
  schemaVersion: event.schemaVersion ?? 1,
  // The appending handler's span, not the trace the request arrived with (the relay's producer
  // span and the consumers downstream become its children).
  meta: stampTrace({ ...meta, ...event.meta }),
});

const recordedFrom = (streamId: string, event: PreparedEvent, row: AppendedRow): RecordedEvent => ({
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
});

// "Key (stream_id, stream_version)=(upload-1, 1) already exists."
const DUPLICATE_VERSION = /^Key \(stream_id, stream_version\)=\((.*), \d+\) already exists/;

/**
 * The typed error for a unique key hit by a statement that appended several streams, or undefined:
 * a conflict on the stream the key names (else the first; a shared transaction reruns its commands
 * one by one anyway), or a duplicate event id.
 */
function conflictOf(error: unknown, appends: StreamAppend[]) {
  if (!isPgError(error, PG_UNIQUE_VIOLATION)) return undefined;
  if (error.constraint === 'events_stream_version_key') {
    const named = DUPLICATE_VERSION.exec((error as { detail?: string }).detail ?? '')?.[1];
    const append = appends.find((a) => a.streamId === named) ?? appends[0]!;
    return new ConcurrencyError({ streamId: append.streamId, expectedVersion: append.expectedVersion });
  }
  if (error.constraint === 'events_event_id_key') {
    return new ConflictError('an event with this id is already stored', { reason: 'duplicate_event' });
  }
  return undefined;
}

const distinctStreams = (appends: StreamAppend[]): boolean =>
  new Set(appends.map((a) => a.streamId)).size === appends.length;

/** Appends the one-statement path takes: a stream at a known version, nothing reserved or released. */
const appendsTogether = (append: StreamAppend): boolean =>
  append.expectedVersion !== 'any' && !append.reserve?.length && !append.release?.length;

const single = (result: MultiAppendResult): AppendResult => {
  const appended = result.streams[0]!;
  return result.projected ? { ...appended, projected: result.projected } : appended;
};

const withProjected = (
  appended: { streams: AppendResult[]; events: RecordedEvent[] },
  projected: ProjectedRows,
): MultiAppendResult => {
  const { streams, events } = appended;
  return projected.size > 0 ? { streams, events, projected } : { streams, events };
};

/** Sends the write and COMMIT in one round trip; answers the rows as written. */
async function commitBehind(client: PoolClient, plan: WritePlan): Promise<ProjectedRows> {
  coalesceWrites(client);
  const write = plan.statement ? client.query<WrittenRow>(plan.statement) : undefined;
  write?.catch(() => undefined);
  const commit = client.query('COMMIT');
  commit.catch(() => undefined);
  let rows: WrittenRow[] = [];
  try {
    rows = write ? (await write).rows : [];
  } catch (error) {
    plan.failed();
    await commit.catch(() => undefined); // answered as a rollback: the transaction had failed
    throw error;
  }
  await commit;
  return plan.read(rows);
}

type AppendedRow = Omit<EventRow, 'event_id' | 'event_type'> & {
  i?: number | null;
  id?: string | null;
  doc?: Record<string, unknown> | null;
};

/**
 * The append statement with a preload beside it: one statement, one round trip. The INSERT is a
 * data-modifying CTE (it runs whether or not the loaded rows exist); the rows come back tagged —
 * appended events with `i` null, loaded rows with their load index.
 */
function withPreload<S extends { name: string; text: string }>(
  statement: S,
  preload: AppendPreload | undefined,
): S {
  if (!preload) return statement;
  const text = `WITH appended AS (${statement.text}), loaded AS (${preload.text})
SELECT NULL::int AS i, NULL::text AS id, NULL::jsonb AS doc,
       global_position, transaction_id_text, stream_id, stream_version, recorded_at FROM appended
UNION ALL
SELECT i, id, doc, NULL, NULL, NULL, NULL, NULL FROM loaded`;
  return { ...statement, ...namedStatement(text) };
}

// Appended rows in stream order (a UNION does not promise the INSERT's RETURNING order).
const appendedRows = (rows: AppendedRow[]) =>
  rows.filter((r) => r.i === null || r.i === undefined).sort((a, b) => a.stream_version - b.stream_version);

const loadedRows = (rows: AppendedRow[]) =>
  rows.flatMap((r) =>
    r.i === null || r.i === undefined
      ? []
      : [{ i: r.i, id: r.id as string, doc: r.doc as Record<string, unknown> }],
  );

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
  const values: unknown[] = [String(after.transactionId), after.globalPosition, options.maxCount ?? 1000];
  if (options.dataOf) values.push(options.dataOf);
  const { rows } = await db.query<EventRow>({
    name: options.dataOf ? `${schema}:readAllDataOf` : `${schema}:readAll`,
    text: `SELECT ${options.dataOf ? eventColumnsWithDataOf(4) : EVENT_COLUMNS} FROM ${table}
           WHERE (transaction_id, global_position) > ($1::text::xid8, $2::bigint)
             AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
           ORDER BY transaction_id, global_position LIMIT $3`,
    values,
  });
  return rows.map(toRecordedEvent);
}
