import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { infrastructure } from './infrastructure.js';

/** A pool on the test database; close it in afterAll. */
export async function testPool(max = 10): Promise<pg.Pool> {
  const { databaseUrl } = await infrastructure();
  return new pg.Pool({ connectionString: databaseUrl, max });
}

/**
 * A service name no other test file uses, so its schemas (`<name>_es`, `<name>_rm`) are fresh:
 * test files run in parallel and twice in a row without seeing each other.
 */
export const uniqueServiceName = (prefix = 'test'): string =>
  `t_${prefix.replaceAll(/[^a-z0-9]/g, '_')}_${randomBytes(4).toString('hex')}`;

/** Drops every schema that belongs to a test service (`<name>_es`, `<name>_rm`, `<name>_rm_*`). */
export async function dropServiceSchemas(pool: pg.Pool, service: string): Promise<void> {
  const { rows } = await pool.query<{ nspname: string }>(
    `SELECT nspname FROM pg_namespace WHERE nspname LIKE $1`,
    [`${service.replaceAll('-', '_')}\\_%`],
  );
  for (const { nspname } of rows) await pool.query(`DROP SCHEMA IF EXISTS "${nspname}" CASCADE`);
}
