import { randomBytes } from 'node:crypto';
import { migrateService, schemasOf } from '@ledgerline/eventsourcing';
import { dropServiceSchemas } from '@ledgerline/testing';
import pg from 'pg';

export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

/** One bench service: its own schemas, dropped at the end. */
export interface BenchService {
  name: string;
  eventStore: string;
  readModel: string;
  pool: pg.Pool;
  close(): Promise<void>;
}

export const benchTag = (): string => randomBytes(4).toString('hex');

export const newPool = (max: number): pg.Pool => new pg.Pool({ connectionString: DATABASE_URL, max });

/** Creates `bench_<label>_<tag>_es` / `_rm` through the kernel's migrations. */
export async function createService(
  label: string,
  poolSize = 10,
  migrationsDir?: string,
): Promise<BenchService> {
  // lower-kebab-case: the relay's subjects (`evt.<service>.<Type>`) only take such names.
  const name = `bench-${label}-${benchTag()}`;
  const pool = newPool(poolSize);
  await migrateService(pool, name, migrationsDir);
  const { eventStore, readModel } = schemasOf(name);
  return {
    name,
    eventStore,
    readModel,
    pool,
    async close() {
      await dropServiceSchemas(pool, name);
      await pool.end();
    },
  };
}
