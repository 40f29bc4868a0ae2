import { createHash } from 'node:crypto';
import { testPool, uniqueServiceName } from '@ledgerline/testing';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventStoreMigrations, migrateService } from './kernelMigrations.js';
import { applyMigrations, type Migration, MigrationError } from './migrations.js';

let pool: pg.Pool;
const schema = `${uniqueServiceName('migrate')}_rm`;
const service = uniqueServiceName('kernel');

beforeAll(async () => {
  pool = await testPool();
});
afterAll(async () => {
  for (const s of [schema, `${service}_es`, `${service}_rm`])
    await pool.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
  await pool.end();
});

const first: Migration = { name: '20260101000000_users', sql: 'CREATE TABLE "User" (id text PRIMARY KEY);' };
const second: Migration = { name: '20260102000000_email', sql: 'ALTER TABLE "User" ADD COLUMN email text;' };

describe('applyMigrations', () => {
  it('applies in order into the schema and records them the way prisma migrate deploy does', async () => {
    const report = await applyMigrations(pool, schema, [first, second]);
    expect(report.applied).toEqual([first.name, second.name]);
    const { rows } = await pool.query(
      `SELECT migration_name, checksum, finished_at IS NOT NULL AS finished, applied_steps_count, rolled_back_at
       FROM "${schema}"."_prisma_migrations" ORDER BY migration_name`,
    );
    expect(rows).toEqual([
      {
        migration_name: first.name,
        checksum: createHash('sha256').update(first.sql).digest('hex'),
        finished: true,
        applied_steps_count: 1,
        rolled_back_at: null,
      },
      expect.objectContaining({ migration_name: second.name, finished: true }),
    ]);
    const { rows: columns } = await pool.query(
      `SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'User' ORDER BY 1`,
      [schema],
    );
    expect(columns.map((c) => c.column_name)).toEqual(['email', 'id']);
  });

  it('is a no-op the second time', async () => {
    const report = await applyMigrations(pool, schema, [first, second]);
    expect(report).toEqual({ schema, applied: [], alreadyApplied: [first.name, second.name] });
  });

  it('refuses an applied migration whose file changed', async () => {
    const edited = { ...second, sql: `${second.sql}\nALTER TABLE "User" ADD COLUMN name text;` };
    await expect(applyMigrations(pool, schema, [first, edited])).rejects.toThrow(MigrationError);
    await expect(applyMigrations(pool, schema, [first, edited])).rejects.toThrow(
      /was edited after it was applied/,
    );
  });

  it('rolls a failing migration back whole and records nothing', async () => {
    const broken: Migration = {
      name: '20260103000000_broken',
      sql: 'CREATE TABLE "Half" (id int); SELECT no_such_function();',
    };
    await expect(applyMigrations(pool, schema, [first, second, broken])).rejects.toThrow(
      /20260103000000_broken failed/,
    );
    const { rows } = await pool.query(`SELECT to_regclass($1) AS half`, [`"${schema}"."Half"`]);
    expect(rows[0].half).toBeNull();
    const { rows: recorded } = await pool.query(
      `SELECT count(*)::int AS n FROM "${schema}"."_prisma_migrations"`,
    );
    expect(recorded[0].n).toBe(2);
  });

  it('serialises concurrent migrators of one schema', async () => {
    const reports = await Promise.all([migrateService(pool, service), migrateService(pool, service)]);
    const appliedEventStore = reports.map((r) => r[0]!.applied.length).sort();
    expect(appliedEventStore).toEqual([0, (await eventStoreMigrations()).length]);
  });
});
