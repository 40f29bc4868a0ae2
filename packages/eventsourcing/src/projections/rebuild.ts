import type { Pool, PoolClient } from 'pg';
import { applyMigrations, type Migration } from '../migrations/migrations.js';
import { inTransaction, withClient } from '../postgres/connections.js';
import { readAllWith } from '../postgres/pgEventStore.js';
import { EVENT_COLUMNS, type EventRow, toRecordedEvent } from '../postgres/rows.js';
import { quoteIdent, schemasOf } from '../postgres/sql.js';
import { HandlerError } from '../retry/backoff.js';
import { type LogPosition, positionOf, type RecordedEvent, START } from '../store/types.js';
import { writeCheckpoints } from './checkpoints.js';
import { lockReadModelExclusive } from './locks.js';
import { type DocumentCache, projectBatch } from './projectBatch.js';
import type { AnyProjection } from './projection.js';
import { forgetTableShapes } from './tableWriter.js';

export interface RebuildProgress {
  phase: 'migrating' | 'replaying' | 'swapping' | 'done';
  done: number;
  total: number;
  eventsPerSecond: number;
  etaSeconds: number | null;
}

export interface RebuildOptions {
  pool: Pool;
  service: string;
  /** Every projection that writes to the service's read-model schema (inline and async). */
  projections: readonly AnyProjection[];
  /** The read-model migrations: kernel ones first, then the service's (readModelMigrations()). */
  migrations: Migration[];
  batchSize?: number;
  onProgress?: (progress: RebuildProgress) => void;
  signal?: AbortSignal;
}

export interface RebuildReport {
  events: number;
  durationMs: number;
  swapMs: number;
  eventsPerSecond: number;
  /** Events a projection threw on; they are skipped (the live projection parked them). */
  skipped: { eventId: string; projection: string; error: string }[];
}

const CACHE_LIMIT = 200_000;

/**
 * Blue/green rebuild (ARCHITECTURE.md): migrate a fresh `<service>_rm_next`, replay the whole log
 * into it in batches while `<service>_rm` keeps serving, then, in one short transaction that
 * holds appends back, apply the last events and swap the schemas. An interrupted rebuild leaves
 * only `_rm_next`, which the next rebuild drops.
 */
export async function rebuildReadModel(options: RebuildOptions): Promise<RebuildReport> {
  const { pool, service, projections } = options;
  const { readModel, readModelNext } = schemasOf(service);
  const started = performance.now();
  const report = (phase: RebuildProgress['phase'], done: number, total: number) => {
    const seconds = (performance.now() - started) / 1000;
    const rate = seconds > 0 ? done / seconds : 0;
    options.onProgress?.({
      phase,
      done,
      total,
      eventsPerSecond: Math.round(rate),
      etaSeconds: rate > 0 ? Math.max(0, (total - done) / rate) : null,
    });
  };

  report('migrating', 0, 0);
  await pool.query(`DROP SCHEMA IF EXISTS ${quoteIdent(readModelNext)} CASCADE`);
  forgetTableShapes();
  await applyMigrations(pool, readModelNext, options.migrations);

  const replay = new Replayer(pool, service, readModelNext, projections, options.batchSize ?? 10_000);
  const total = await replay.countEvents();
  return withClient(pool, async (client) => {
    await replay.catchUp(client, (done) => report('replaying', done, Math.max(total, done)), options.signal);
    report('swapping', replay.done, Math.max(total, replay.done));
    const swapStarted = performance.now();
    await swap(client, replay, readModel, readModelNext);
    const swapMs = performance.now() - swapStarted;
    await pool.query(`DROP SCHEMA IF EXISTS ${quoteIdent(`${readModel}_old`)} CASCADE`);
    forgetTableShapes();
    report('done', replay.done, replay.done);
    const durationMs = performance.now() - started;
    return {
      events: replay.done,
      durationMs,
      swapMs,
      eventsPerSecond: Math.round(replay.done / (durationMs / 1000)),
      skipped: replay.skipped,
    };
  });
}

async function swap(client: PoolClient, replay: Replayer, live: string, next: string): Promise<void> {
  await inTransaction(client, async () => {
    // Appends wait here (readers do not); with none in flight the tail can be read in full.
    await client.query(`SET LOCAL lock_timeout = '10s'`);
    await client.query(`LOCK TABLE ${replay.eventsTable} IN EXCLUSIVE MODE`);
    await lockReadModelExclusive(client, replay.service);
    await replay.applyTail(client);
    await client.query(`DROP SCHEMA IF EXISTS ${quoteIdent(`${live}_old`)} CASCADE`);
    await client.query(`ALTER SCHEMA ${quoteIdent(live)} RENAME TO ${quoteIdent(`${live}_old`)}`);
    await client.query(`ALTER SCHEMA ${quoteIdent(next)} RENAME TO ${quoteIdent(live)}`);
  });
}

class Replayer {
  readonly eventsTable: string;
  private readonly eventStore: string;
  private readonly caches = new Map<string, DocumentCache>();
  position: LogPosition = START;
  done = 0;
  skipped: RebuildReport['skipped'] = [];

  constructor(
    private readonly pool: Pool,
    readonly service: string,
    private readonly schema: string,
    private readonly projections: readonly AnyProjection[],
    private readonly batchSize: number,
  ) {
    this.eventStore = schemasOf(service).eventStore;
    this.eventsTable = `${quoteIdent(this.eventStore)}."events"`;
    for (const p of projections) this.caches.set(p.name, new Map());
  }

  async countEvents(): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${this.eventsTable}`);
    return Number(rows[0]?.n ?? 0);
  }

  /** Replays until a read comes back short of a batch; the next read runs while a batch is written. */
  async catchUp(client: PoolClient, onBatch: (done: number) => void, signal?: AbortSignal): Promise<void> {
    const read = (after: LogPosition) =>
      readAllWith(this.pool, this.eventsTable, this.eventStore, { after, maxCount: this.batchSize });
    let pending = read(this.position);
    for (;;) {
      const events = await pending;
      if (events.length === 0) return;
      signal?.throwIfAborted();
      pending = read(positionOf(events.at(-1)!));
      await this.apply(client, events);
      onBatch(this.done);
      if (events.length < this.batchSize) {
        const rest = await pending;
        if (rest.length === 0) return;
        pending = Promise.resolve(rest);
      }
    }
  }

  /** Inside the swap transaction: every committed event after the position, no snapshot filter. */
  async applyTail(client: PoolClient): Promise<void> {
    for (;;) {
      const { rows } = await client.query<EventRow>(
        `SELECT ${EVENT_COLUMNS} FROM ${this.eventsTable}
         WHERE (transaction_id, global_position) > ($1::text::xid8, $2::bigint)
         ORDER BY transaction_id, global_position LIMIT $3`,
        [String(this.position.transactionId), this.position.globalPosition, this.batchSize],
      );
      if (rows.length === 0) return;
      await this.applyInTransaction(client, rows.map(toRecordedEvent));
    }
  }

  private async apply(client: PoolClient, events: RecordedEvent[]): Promise<void> {
    try {
      await inTransaction(client, () => this.applyInTransaction(client, events));
    } catch (error) {
      if (!(error instanceof HandlerError)) throw error;
      // Some event breaks a projection: redo this batch one event at a time, skipping it.
      for (const cache of this.caches.values()) cache.clear();
      for (const event of events) await this.applyOne(client, event);
    }
  }

  private async applyOne(client: PoolClient, event: RecordedEvent): Promise<void> {
    for (const projection of this.projections) {
      try {
        await inTransaction(client, () => projectBatch(client, this.schema, projection, [event]));
      } catch (error) {
        if (!(error instanceof HandlerError)) throw error;
        this.skipped.push({ eventId: event.id, projection: projection.name, error: error.message });
      }
    }
    await writeCheckpoints(client, this.schema, this.names(), positionOf(event));
    this.position = positionOf(event);
    this.done += 1;
  }

  private async applyInTransaction(client: PoolClient, events: RecordedEvent[]): Promise<void> {
    for (const projection of this.projections) {
      const cache = this.caches.get(projection.name)!;
      if (cache.size > CACHE_LIMIT) cache.clear();
      await projectBatch(client, this.schema, projection, events, cache);
    }
    const last = positionOf(events.at(-1)!);
    await writeCheckpoints(client, this.schema, this.names(), last);
    this.position = last;
    this.done += events.length;
  }

  private names(): string[] {
    return this.projections.map((p) => p.name);
  }
}
