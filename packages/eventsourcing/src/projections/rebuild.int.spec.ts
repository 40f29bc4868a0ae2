import { dropServiceSchemas, testPool, uniqueServiceName } from '@ledgerline/testing';
import type pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { migrateService, readModelMigrations } from '../migrations/kernelMigrations.js';
import { PostgresEventStore } from '../postgres/pgEventStore.js';
import { counterMigrationsDir, counterProjection } from './fixtures/counterProjection.js';
import { inlineProjections } from './inline.js';
import { type RebuildProgress, rebuildReadModel } from './rebuild.js';

let pool: pg.Pool;
const service = uniqueServiceName('rebuild');

beforeAll(async () => {
  pool = await testPool(20);
  await migrateService(pool, service, counterMigrationsDir);
});
afterAll(async () => {
  await dropServiceSchemas(pool, service);
  await pool.end();
});

const counterRows = async () =>
  (await pool.query(`SELECT id, count, total::int AS total FROM "${service}_rm"."Counter" ORDER BY id`)).rows;

it('rebuilds into a fresh schema and swaps it in while queries and appends go on', async () => {
  const projection = counterProjection();
  const store = new PostgresEventStore({
    pool,
    service,
    appendHooks: [inlineProjections(service, [projection])],
  });
  for (let s = 0; s < 60; s++) {
    const events = Array.from({ length: 50 }, (_, i) => ({ type: 'Counted', data: { n: i } }));
    await store.append(`counter-${s}`, events, { expectedVersion: 'no_stream' });
  }
  const live = await counterRows();

  // Readers and a writer keep working through the rebuild.
  let running = true;
  const queryErrors: unknown[] = [];
  let queries = 0;
  const reader = (async () => {
    while (running) {
      try {
        const { rows } = await pool.query(`SELECT count(*)::int AS n FROM "${service}_rm"."Counter"`);
        if (rows[0].n < 60) queryErrors.push(new Error(`read model shrank to ${rows[0].n} rows`));
        queries++;
      } catch (error) {
        queryErrors.push(error);
      }
    }
  })();
  let appended = 0;
  const writer = (async () => {
    while (running) {
      await store.append(`counter-${appended % 60}`, [{ type: 'Counted', data: { n: 1000 } }], {
        expectedVersion: 'any',
      });
      appended++;
    }
  })();

  const progress: RebuildProgress[] = [];
  const report = await rebuildReadModel({
    pool,
    service,
    projections: [projection],
    migrations: await readModelMigrations(counterMigrationsDir),
    batchSize: 250,
    onProgress: (p) => progress.push(p),
  });
  running = false;
  await Promise.all([reader, writer]);

  expect(queryErrors).toEqual([]);
  expect(queries).toBeGreaterThan(0);
  expect(report.swapMs).toBeLessThan(1000);
  // Appends that commit after the swap reach the new schema through the inline projection.
  expect(report.events).toBeGreaterThan(3000);
  expect(report.events).toBeLessThanOrEqual(3000 + appended);
  expect(progress.map((p) => p.phase)).toContain('replaying');
  expect(progress.at(-1)).toMatchObject({ phase: 'done', done: report.events, total: report.events });

  // The rebuilt model equals the live one, including what was appended during the rebuild.
  const rebuilt = await counterRows();
  const expected = live.map((row) => {
    const extra = Math.floor(appended / 60) + (Number(row.id.split('-')[1]) < appended % 60 ? 1 : 0);
    return { ...row, count: row.count + extra, total: row.total + extra * 1000 };
  });
  expect(rebuilt).toEqual(expected);
  // The old schema is gone, the next one is now the live one.
  const { rows: schemas } = await pool.query(
    `SELECT nspname FROM pg_namespace WHERE nspname LIKE $1 ORDER BY 1`,
    [`${service}\\_%`],
  );
  expect(schemas.map((r) => r.nspname)).toEqual([`${service}_es`, `${service}_rm`]);
  await store.close();
});

it('a second rebuild after an interrupted one starts clean', async () => {
  const controller = new AbortController();
  controller.abort();
  const options = {
    pool,
    service,
    projections: [counterProjection()],
    migrations: await readModelMigrations(counterMigrationsDir),
    batchSize: 100,
  };
  await expect(rebuildReadModel({ ...options, signal: controller.signal })).rejects.toThrow();
  const before = await counterRows();
  const report = await rebuildReadModel(options);
  expect(report.events).toBeGreaterThan(3000);
  expect(await counterRows()).toEqual(before);
});
