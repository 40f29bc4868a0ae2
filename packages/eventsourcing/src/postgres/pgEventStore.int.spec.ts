import { ConcurrencyError, ConflictError } from '@ledgerline/contracts';
import { dropServiceSchemas, testPool, uniqueServiceName } from '@ledgerline/testing';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateService } from '../migrations/kernelMigrations.js';
import type { RecordedEvent } from '../store/types.js';
import { PostgresEventStore } from './pgEventStore.js';
import { EVENT_COLUMNS } from './rows.js';

const service = uniqueServiceName('store');
let pool: pg.Pool;
let store: PostgresEventStore;

beforeAll(async () => {
  pool = await testPool(20);
  await migrateService(pool, service);
  store = new PostgresEventStore({ pool, service, pollIntervalMs: 50 });
});

afterAll(async () => {
  await store.close();
  await dropServiceSchemas(pool, service);
  await pool.end();
});

const event = (n: number) => ({ type: 'Counted', data: { n } });

describe('PostgresEventStore append', () => {
  it('numbers events per stream and returns the next expected version', async () => {
    const first = await store.append('counter-a', [event(1), event(2)], { expectedVersion: 'no_stream' });
    expect(first.nextExpectedVersion).toBe(2);
    const second = await store.append('counter-a', [event(3)], { expectedVersion: 2 });
    expect(second.events.map((e) => e.streamPosition)).toEqual([3]);
    const read = await store.readStream('counter-a');
    expect(read.map((e) => [e.streamPosition, (e.data as { n: number }).n])).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
    ]);
    expect(read[0]!.streamId).toBe('counter-a');
    expect(new Date(read[0]!.occurredAt).getTime()).toBeGreaterThan(0);
  });

  it('rejects a stale, a future and a no_stream expected version with ConcurrencyError', async () => {
    await store.append('counter-b', [event(1)], { expectedVersion: 'no_stream' });
    await expect(
      store.append('counter-b', [event(2)], { expectedVersion: 'no_stream' }),
    ).rejects.toBeInstanceOf(ConcurrencyError);
    await expect(store.append('counter-b', [event(2)], { expectedVersion: 5 })).rejects.toMatchObject({
      code: 'CONFLICT',
      details: { streamId: 'counter-b', expectedVersion: 5, actualVersion: 1, reason: 'concurrency' },
    });
    expect(await store.streamVersion('counter-b')).toBe(1);
  });

  it("appends at the head with 'any', even under contention", async () => {
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        store.append('counter-any', [event(i)], { expectedVersion: 'any' }),
      ),
    );
    const read = await store.readStream('counter-any');
    expect(read.map((e) => e.streamPosition)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('lets exactly one of N concurrent appends at the same version win, leaving nothing half-written', async () => {
    await store.append('counter-race', [event(0)], { expectedVersion: 'no_stream' });
    const attempts = await Promise.allSettled(
      Array.from({ length: 16 }, (_, i) =>
        store.append('counter-race', [event(i), event(i + 100)], { expectedVersion: 1 }),
      ),
    );
    const won = attempts.filter((a) => a.status === 'fulfilled');
    const lost = attempts.filter((a): a is PromiseRejectedResult => a.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(15);
    for (const failure of lost) expect(failure.reason).toBeInstanceOf(ConcurrencyError);
    const read = await store.readStream('counter-race');
    expect(read.map((e) => e.streamPosition)).toEqual([1, 2, 3]);
  });

  it('treats a reused event id as a duplicate, not a new event', async () => {
    const id = '01900000-0000-7000-8000-000000000001';
    await store.append('counter-dup', [{ ...event(1), id }], { expectedVersion: 'no_stream' });
    await expect(
      store.append('counter-dup2', [{ ...event(1), id }], { expectedVersion: 'any' }),
    ).rejects.toMatchObject({ code: 'CONFLICT', details: { reason: 'duplicate_event' } });
  });
});

describe('reservations', () => {
  it('holds a value for one stream across streams, in the append transaction', async () => {
    const email = { scope: 'email', value: `a-${service}@example.com` };
    await store.append('account-1', [event(1)], { expectedVersion: 'no_stream', reserve: [email] });
    const clash = store.append('account-2', [event(1)], { expectedVersion: 'no_stream', reserve: [email] });
    await expect(clash).rejects.toBeInstanceOf(ConflictError);
    await expect(clash).rejects.toMatchObject({ details: { reason: 'reserved', scope: 'email' } });
    // The failed append wrote nothing.
    expect(await store.streamVersion('account-2')).toBe(0);
    // Releasing lets another stream claim it.
    await store.append('account-1', [event(2)], { expectedVersion: 1, release: [email] });
    await store.append('account-2', [event(1)], { expectedVersion: 'no_stream', reserve: [email] });
    expect(await store.streamVersion('account-2')).toBe(1);
  });

  it('does not claim the value when the append itself fails', async () => {
    const email = { scope: 'email', value: `b-${service}@example.com` };
    await store.append('account-3', [event(1)], { expectedVersion: 'no_stream' });
    await expect(
      store.append('account-3', [event(2)], { expectedVersion: 'no_stream', reserve: [email] }),
    ).rejects.toBeInstanceOf(ConcurrencyError);
    await store.append('account-4', [event(1)], { expectedVersion: 'no_stream', reserve: [email] });
  });
});

describe('readAll and subscribe', () => {
  it('never skips an event whose transaction started earlier but commits later', async () => {
    const seen: RecordedEvent[] = [];
    // Start at the table's last row: readAll would stop short while another test file holds a
    // transaction open somewhere in the cluster.
    const { rows } = await pool.query(
      `SELECT transaction_id::text AS tx, global_position AS pos FROM "${service}_es".events
       ORDER BY transaction_id DESC, global_position DESC LIMIT 1`,
    );
    const errors: unknown[] = [];
    const subscription = store.subscribe({
      after: { transactionId: Number(rows[0].tx), globalPosition: Number(rows[0].pos) },
      batchSize: 10,
      onBatch: async (events) => {
        seen.push(...events);
      },
      onError: (error) => errors.push(error),
    });

    // A slow writer takes its transaction id and global position first, then stalls.
    const slow = await pool.connect();
    try {
      await slow.query('BEGIN');
      await store.appendWith(slow, 'late-1', [event(1)], { expectedVersion: 'no_stream' });
      // Faster writers commit after it started.
      await store.append('fast-1', [event(2)], { expectedVersion: 'no_stream' });
      await store.append('fast-2', [event(3)], { expectedVersion: 'no_stream' });
      await new Promise((r) => setTimeout(r, 300));
      // Nothing past the open transaction may be delivered yet, or the late event would be skipped.
      expect(seen.map((e) => e.streamId)).toEqual([]);
      await slow.query('COMMIT');
    } finally {
      await slow.query('ROLLBACK').catch(() => undefined);
      slow.release();
    }

    await waitUntil(() => seen.length >= 3);
    await subscription.stop();
    expect(errors).toEqual([]);
    expect(seen.map((e) => e.streamId)).toEqual(['late-1', 'fast-1', 'fast-2']);
  });

  it('reads the whole log in batches without gaps or repeats', async () => {
    const all = await readEverything();
    const ids = all.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    const viaSmallBatches: string[] = [];
    let after: RecordedEvent | undefined;
    for (;;) {
      const batch = await store.readAll({ after, maxCount: 3 });
      if (batch.length === 0) break;
      viaSmallBatches.push(...batch.map((e) => e.id));
      after = batch.at(-1);
    }
    expect(viaSmallBatches).toEqual(ids);
  });

  it('reads data and metadata only of the types asked for; every event keeps its place, ids and type', async () => {
    const streamId = `typed-${Date.now()}`;
    await store.append(
      streamId,
      [
        { type: 'Kept', data: { n: 1 } },
        { type: 'Skipped', data: { n: 2 } },
        { type: 'Kept', data: { n: 3 } },
      ],
      { expectedVersion: 'no_stream', meta: { requestId: 'r-typed' } },
    );
    // Readable once every older transaction of the machine has ended (another test file's may be open).
    let full: RecordedEvent[] = [];
    await waitUntil(async () => {
      full = (await readEverything()).filter((e) => e.streamId === streamId);
      return full.length === 3;
    });
    const after = { transactionId: full[0]!.transactionId, globalPosition: full[0]!.globalPosition - 1 };
    const typed = (await store.readAll({ after, maxCount: 1000, dataOf: ['Kept'] })).filter(
      (e) => e.streamId === streamId,
    );
    expect(typed.map(({ data, meta, ...place }) => place)).toEqual(
      full.map(({ data, meta, ...place }) => place),
    );
    expect(typed.map((e) => e.data)).toEqual([{ n: 1 }, null, { n: 3 }]);
    expect(typed.map((e) => e.meta.requestId)).toEqual(['r-typed', undefined, 'r-typed']);
    expect(full.map((e) => e.data)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  });
});

describe('readAll query plan', () => {
  it('walks the log-order index instead of sorting the table', async () => {
    // A regression guard: ordering by a text alias of transaction_id once sorted the whole log on
    // every page (and out of numeric order). With the index usable, no Sort node is needed.
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      // Make every alternative to an ordered index scan look prohibitive to the planner.
      for (const setting of ['enable_seqscan', 'enable_bitmapscan', 'enable_sort']) {
        await client.query(`SET LOCAL ${setting} = off`);
      }
      const { rows } = await client.query(
        `EXPLAIN (FORMAT JSON) SELECT ${EVENT_COLUMNS} FROM "${service}_es"."events"
         WHERE (transaction_id, global_position) > ('0'::xid8, 0::bigint)
           AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
         ORDER BY transaction_id, global_position LIMIT 1000`,
      );
      const plan = JSON.stringify(rows[0]['QUERY PLAN']);
      expect(plan).toContain('events_log_order_idx');
      expect(plan).not.toContain('"Node Type":"Sort"');
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });
});

async function readEverything(): Promise<RecordedEvent[]> {
  return store.readAll({ maxCount: 100_000 });
}

async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
