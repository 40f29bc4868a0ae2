import { dropServiceSchemas, testPool, uniqueServiceName } from '@ledgerline/testing';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateService } from '../migrations/kernelMigrations.js';
import { counterMigrationsDir, counterProjection } from '../projections/fixtures/counterProjection.js';
import { inlineProjections } from '../projections/inline.js';
import { projectedRow } from '../projections/projection.js';
import { PostgresEventStore } from './pgEventStore.js';
import { quoteIdent, schemasOf } from './sql.js';

// Group commit against real Postgres: with one append transaction allowed in flight, concurrent
// appends share transactions; a stale one, a taken reservation and a duplicate event among them
// fail alone, and everyone else's events and read-model rows are stored exactly once.
const service = uniqueServiceName('batch');
let pool: pg.Pool;
let store: PostgresEventStore;

beforeAll(async () => {
  pool = await testPool(10);
  await migrateService(pool, service, counterMigrationsDir);
  store = new PostgresEventStore({
    pool,
    service,
    appendHooks: [inlineProjections(service, [counterProjection()])],
    appendConcurrency: 1,
  });
});

afterAll(async () => {
  await store.close();
  await dropServiceSchemas(pool, service);
  await pool.end();
});

const counted = (n: number) => [{ type: 'Counted', data: { n } }];

describe('PostgresEventStore group commit', () => {
  it('gives each of many concurrent appends its own outcome, storing each success once', async () => {
    await store.append('counter-old', counted(1), { expectedVersion: 'no_stream' });
    await store.append('counter-holder', counted(1), {
      expectedVersion: 'no_stream',
      reserve: [{ scope: 'name', value: 'taken' }],
    });
    const fresh = Array.from({ length: 30 }, (_, i) => `counter-new-${i}`);
    const outcomes = await Promise.allSettled([
      ...fresh.map((id, i) => store.append(id, counted(i), { expectedVersion: 'no_stream' })),
      store.append('counter-old', counted(9), { expectedVersion: 'no_stream' }), // stale
      store.append('counter-claim', counted(1), {
        expectedVersion: 'no_stream',
        reserve: [{ scope: 'name', value: 'taken' }],
      }),
      store.append('counter-twice', counted(1), { expectedVersion: 'no_stream' }),
      store.append('counter-twice', counted(2), { expectedVersion: 'no_stream' }),
    ]);
    const [stale, claim, twiceA, twiceB] = outcomes.slice(fresh.length);
    expect(stale).toMatchObject({
      status: 'rejected',
      reason: { code: 'CONFLICT', details: { reason: 'concurrency' } },
    });
    expect(claim).toMatchObject({
      status: 'rejected',
      reason: { code: 'CONFLICT', details: { reason: 'reserved' } },
    });
    // Two appends to one new stream: exactly one wins.
    expect([twiceA, twiceB].filter((o) => o.status === 'fulfilled')).toHaveLength(1);

    for (const [i, outcome] of outcomes.slice(0, fresh.length).entries()) {
      expect(outcome.status).toBe('fulfilled');
      if (outcome.status !== 'fulfilled') continue;
      expect(outcome.value.nextExpectedVersion).toBe(1);
      // The rows the caller's own events wrote, even from a shared transaction.
      expect(projectedRow(outcome.value, counterProjection(), fresh[i]!)).toMatchObject({ count: 1 });
    }
    const { eventStore, readModel } = schemasOf(service);
    const events = await pool.query<{ stream_id: string; n: number }>(
      `SELECT stream_id, count(*)::int AS n FROM ${quoteIdent(eventStore)}.events GROUP BY stream_id`,
    );
    const perStream = new Map(events.rows.map((r) => [r.stream_id, r.n]));
    for (const id of fresh) expect(perStream.get(id)).toBe(1);
    expect(perStream.get('counter-old')).toBe(1);
    expect(perStream.get('counter-claim')).toBeUndefined();
    expect(perStream.get('counter-twice')).toBe(1);
    const rows = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${quoteIdent(readModel)}."Counter" WHERE id LIKE 'counter-new-%' AND count = 1`,
    );
    expect(rows.rows[0]!.n).toBe(fresh.length);
  });

  it('keeps every multi-stream command atomic inside a shared transaction, each with its own outcome', async () => {
    await store.append('counter-account', counted(1), { expectedVersion: 'no_stream' });
    const pairs = Array.from(
      { length: 20 },
      (_, i) => [`counter-pair-${i}-a`, `counter-pair-${i}-b`] as const,
    );
    const outcomes = await Promise.allSettled([
      ...pairs.map(([a, b], i) =>
        store.appendMany([
          { streamId: a, events: counted(i), expectedVersion: 'no_stream' },
          { streamId: b, events: counted(i + 100), expectedVersion: 'no_stream' },
        ]),
      ),
      // Its second stream is stale: neither of its streams may be written.
      store.appendMany([
        { streamId: 'counter-lonely', events: counted(1), expectedVersion: 'no_stream' },
        { streamId: 'counter-account', events: counted(2), expectedVersion: 'no_stream' },
      ]),
    ]);
    expect(outcomes.at(-1)).toMatchObject({
      status: 'rejected',
      reason: { code: 'CONFLICT', details: { reason: 'concurrency' } },
    });
    for (const [i, outcome] of outcomes.slice(0, pairs.length).entries()) {
      if (outcome.status !== 'fulfilled') throw outcome.reason;
      // One result per stream, in the order the command gave them.
      expect(outcome.value.streams.map((r) => r.events.map((e) => e.streamId))).toEqual([
        [pairs[i]![0]],
        [pairs[i]![1]],
      ]);
      expect(outcome.value.events.map((e) => (e.data as { n: number }).n)).toEqual([i, i + 100]);
    }
    const { eventStore } = schemasOf(service);
    const { rows } = await pool.query<{ stream_id: string; n: number }>(
      `SELECT stream_id, count(*)::int AS n FROM ${quoteIdent(eventStore)}.events
       WHERE stream_id LIKE 'counter-pair-%' OR stream_id IN ('counter-lonely', 'counter-account')
       GROUP BY stream_id`,
    );
    const perStream = new Map(rows.map((r) => [r.stream_id, r.n]));
    for (const [a, b] of pairs) expect([perStream.get(a), perStream.get(b)]).toEqual([1, 1]);
    expect(perStream.get('counter-lonely')).toBeUndefined();
    expect(perStream.get('counter-account')).toBe(1);
  });
});
