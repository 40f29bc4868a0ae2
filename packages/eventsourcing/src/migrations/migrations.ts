import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Pool, PoolClient } from 'pg';
import { inTransaction, isConnectionError, withClient } from '../postgres/connections.js';
import { quoteIdent } from '../postgres/sql.js';

/** One Prisma-format migration: the folder name and its migration.sql. */
export interface Migration {
  name: string;
  sql: string;
}

export interface MigrationReport {
  schema: string;
  applied: string[];
  alreadyApplied: string[];
}

/** Raised when an applied migration's file changed, or an earlier attempt failed half-way. */
export class MigrationError extends Error {
  override name = 'MigrationError';
}

/** sha256 of the script, hex: the checksum `prisma migrate deploy` records. */
export const migrationChecksum = (sql: string): string => createHash('sha256').update(sql).digest('hex');

/** Reads `<dir>/<timestamp>_<name>/migration.sql` folders in name order (Prisma's layout). */
export async function loadMigrations(dir: string): Promise<Migration[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const folders = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  return Promise.all(
    folders.map(async (name) => ({ name, sql: await readFile(join(dir, name, 'migration.sql'), 'utf8') })),
  );
}

// Prisma's own DDL for its bookkeeping table, so `prisma migrate status` reads what we record.
const PRISMA_MIGRATIONS_DDL = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id"                  VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum"            VARCHAR(64) NOT NULL,
  "finished_at"         TIMESTAMPTZ,
  "migration_name"      VARCHAR(255) NOT NULL,
  "logs"                TEXT,
  "rolled_back_at"      TIMESTAMPTZ,
  "started_at"          TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
}

/**
 * Applies migrations into `schema` (created if absent), each in its own transaction with
 * search_path set to the schema, recorded in `<schema>._prisma_migrations` like Prisma does.
 * An advisory lock serialises concurrent migrators of the same schema.
 */
export async function applyMigrations(
  pool: Pool,
  schema: string,
  migrations: Migration[],
): Promise<MigrationReport> {
  const lockKey = `ledgerline:migrate:${schema}`;
  return withClient(pool, async (client) => {
    try {
      await client.query('SELECT pg_advisory_lock(hashtext($1))', [lockKey]);
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
      await client.query(`SET search_path TO ${quoteIdent(schema)}`);
      await client.query(PRISMA_MIGRATIONS_DDL);
      const applied = await appliedMigrations(client);
      const report: MigrationReport = { schema, applied: [], alreadyApplied: [] };
      for (const migration of migrations) {
        const previous = applied.get(migration.name);
        if (previous) {
          assertUnchanged(schema, migration, previous);
          report.alreadyApplied.push(migration.name);
          continue;
        }
        await applyOne(client, migration);
        report.applied.push(migration.name);
      }
      return report;
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', [lockKey]).catch(() => undefined);
      await client.query('RESET search_path').catch(() => undefined);
    }
  });
}

async function appliedMigrations(client: PoolClient): Promise<Map<string, AppliedRow>> {
  const { rows } = await client.query<AppliedRow>(
    'SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" WHERE rolled_back_at IS NULL',
  );
  return new Map(rows.map((row) => [row.migration_name, row]));
}

function assertUnchanged(schema: string, migration: Migration, previous: AppliedRow): void {
  if (previous.finished_at === null) {
    throw new MigrationError(
      `migration ${migration.name} in schema ${schema} started but did not finish; inspect it, then mark it rolled back`,
    );
  }
  const checksum = migrationChecksum(migration.sql);
  if (previous.checksum !== checksum) {
    throw new MigrationError(
      `migration ${migration.name} in schema ${schema} was edited after it was applied ` +
        `(recorded checksum ${previous.checksum.slice(0, 12)}…, file ${checksum.slice(0, 12)}…); ` +
        'add a new migration instead of changing an applied one',
    );
  }
}

async function applyOne(client: PoolClient, migration: Migration): Promise<void> {
  const startedAt = new Date();
  try {
    await inTransaction(client, async () => {
      await client.query(migration.sql);
      await client.query(
        `INSERT INTO "_prisma_migrations"
           (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count)
         VALUES ($1, $2, now(), $3, NULL, NULL, $4, 1)`,
        [randomUUID(), migrationChecksum(migration.sql), migration.name, startedAt],
      );
    });
  } catch (error) {
    if (isConnectionError(error)) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new MigrationError(`migration ${migration.name} failed and was rolled back: ${reason}`);
  }
}
