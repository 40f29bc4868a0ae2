import { dropServiceSchemas, testPool, uniqueServiceName } from '@ledgerline/testing';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateService } from '../migrations/kernelMigrations.js';
import { counterMigrationsDir, counterProjection } from '../projections/fixtures/counterProjection.js';
import { inlineProjections } from '../projections/inline.js';
import { projectedRow } from '../projections/projection.js';
import { appendTogetherStatement } from './appendSql.js';
import { PostgresEventStore } from './pgEventStore.js';
import { quoteIdent, schemasOf } from './sql.js';

// A multi-stream append is one INSERT for all its streams (appendTogetherStatement), with the
// inline projections' preload beside it: every stream numbered from its own expected version, the
// read model built on the rows already stored, and a stale or future version on any stream a
// conflict naming that stream, with nothing written.
const service = uniqueServiceName('together');
let pool: pg.Pool;
let store: PostgresEventStore;

beforeAll(async () => {
  pool = await testPool(4);
  await migrateService(pool, service, counterMigrationsDir);
  store = new PostgresEventStore({
    pool,
    service,
    appendHooks: [inlineProjections(service, [counterProjection()])],
  });
});

afterAll(async () => {
  await store.close();
  await dropServiceSchemas(pool, service);
  await pool.end();
});

const counted = (...ns: number[]) => ns.map((n) => ({ type: 'Counted', data: { n } }));
const stored = async (prefix: string) => {
  const { rows } = await pool.query<{ stream_id: string; stream_version: number; n: number }>(
    `SELECT stream_id, stream_version, (data->>'n')::int AS n FROM ${quoteIdent(schemasOf(service).eventStore)}.events
     WHERE stream_id LIKE $1 ORDER BY global_position`,
    [`${prefix}%`],
  );
  return rows.map((r) => `${r.stream_id}@${r.stream_version}=${r.n}`);
};

describe('a multi-stream append in one statement', () => {
  it('numbers each stream from its expected version and projects on the rows already stored', async () => {
    await store.append('counter-t1-old', counted(5, 6), { expectedVersion: 'no_stream' });
    const result = await store.appendMany([
      { streamId: 'counter-t1-new', events: counted(1, 2, 3), expectedVersion: 'no_stream' },
      { streamId: 'counter-t1-old', events: counted(7), expectedVersion: 2 },
      { streamId: 'counter-t1-other', events: counted(9), expectedVersion: 'no_stream' },
    ]);
    expect(result.streams.map((s) => [s.nextExpectedVersion, s.events.map((e) => e.streamPosition)])).toEqual(
      [
        [3, [1, 2, 3]],
        [3, [3]],
        [1, [1]],
      ],
    );
    const positions = result.events.map((e) => e.globalPosition);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(await stored('counter-t1-')).toEqual([
      'counter-t1-old@1=5',
      'counter-t1-old@2=6',
      'counter-t1-new@1=1',
      'counter-t1-new@2=2',
      'counter-t1-new@3=3',
      'counter-t1-old@3=7',
      'counter-t1-other@1=9',
    ]);
    // The existing row was loaded with the append (count 2, total 11) and moved on from there.
    expect(projectedRow(result, counterProjection(), 'counter-t1-old')).toMatchObject({
      count: 3,
      total: 18n,
    });
    expect(projectedRow(result, counterProjection(), 'counter-t1-new')).toMatchObject({
      count: 3,
      total: 6n,
    });
  });

  it('returns no projected rows when no command asks for them, and still writes them', async () => {
    const result = await store.appendMany([
      { streamId: 'counter-t4-a', events: counted(4), expectedVersion: 'no_stream', returnProjected: false },
      { streamId: 'counter-t4-b', events: counted(5), expectedVersion: 'no_stream', returnProjected: false },
    ]);
    expect(projectedRow(result, counterProjection(), 'counter-t4-a')).toBeUndefined();
    const { rows } = await pool.query<{ id: string; count: number }>(
      `SELECT id, count FROM ${quoteIdent(schemasOf(service).readModel)}."Counter" WHERE id LIKE 'counter-t4-%' ORDER BY id`,
    );
    expect(rows).toEqual([
      { id: 'counter-t4-a', count: 1 },
      { id: 'counter-t4-b', count: 1 },
    ]);
    // One command that asks is enough for the rows to come back.
    const asked = await store.appendMany([
      { streamId: 'counter-t4-a', events: counted(6), expectedVersion: 1, returnProjected: false },
      { streamId: 'counter-t4-c', events: counted(7), expectedVersion: 'no_stream' },
    ]);
    expect(projectedRow(asked, counterProjection(), 'counter-t4-a')).toMatchObject({ count: 2 });
  });

  it.each([
    ['a stale version', 1],
    ['a future version', 3],
    ["'no_stream' on an existing stream", 'no_stream' as const],
  ])(
    'refuses %s on one stream as a conflict on that stream, writing no stream',
    async (_, expectedVersion) => {
      const prefix = `counter-t2-${String(expectedVersion)}-`;
      await store.append(`${prefix}old`, counted(1, 2), { expectedVersion: 'no_stream' });
      const append = store.appendMany([
        { streamId: `${prefix}a`, events: counted(1), expectedVersion: 'no_stream' },
        { streamId: `${prefix}old`, events: counted(3), expectedVersion },
        { streamId: `${prefix}b`, events: counted(1), expectedVersion: 'no_stream' },
      ]);
      await expect(append).rejects.toMatchObject({
        code: 'CONFLICT',
        details: { reason: 'concurrency', streamId: `${prefix}old` },
      });
      expect(await stored(prefix)).toEqual([`${prefix}old@1=1`, `${prefix}old@2=2`]);
    },
  );

  it("takes a stream at 'any' with the others (its own statement)", async () => {
    await store.append('counter-t3-old', counted(1), { expectedVersion: 'no_stream' });
    const result = await store.appendMany([
      { streamId: 'counter-t3-old', events: counted(2), expectedVersion: 'any' },
      { streamId: 'counter-t3-new', events: counted(3), expectedVersion: 'no_stream' },
    ]);
    expect(result.streams.map((s) => s.nextExpectedVersion)).toEqual([2, 1]);
    expect(await stored('counter-t3-')).toEqual([
      'counter-t3-old@1=1',
      'counter-t3-old@2=2',
      'counter-t3-new@1=3',
    ]);
  });

  it("checks a stream's version by an index probe, even in a plan made while the log was young", async () => {
    const { eventStore } = schemasOf(service);
    const statement = appendTogetherStatement(`${quoteIdent(eventStore)}.events`, eventStore);
    const client = await pool.connect();
    try {
      // Every execution uses the plan made now, on this test's nearly empty, never analyzed log.
      await client.query('SET plan_cache_mode = force_generic_plan');
      await client.query(`PREPARE together AS ${statement.text}`);
      const { rows } = await client.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN EXECUTE together(ARRAY['counter-x'], ARRAY['counter'], ARRAY[1], ARRAY[2], ARRAY[gen_random_uuid()],
           ARRAY['Counted'], ARRAY[1], ARRAY['{}'::jsonb], ARRAY['{}'::jsonb])`,
      );
      const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
      expect(plan).toMatch(/Index Only Scan using events_stream_version_key/);
      expect(plan).not.toMatch(/hashed SubPlan|Seq Scan/);
    } finally {
      await client.query('DEALLOCATE together').catch(() => undefined);
      client.release();
    }
  });
});
