import { readModelMigrations, rebuildReadModel } from '@ledgerline/eventsourcing';
import type { BenchService } from './context.js';
import { accountSummary } from './projection.js';

export const MIGRATIONS_DIR = new URL('./migrations', import.meta.url).pathname;

export interface RebuildRun {
  events: number;
  eventsPerSecond: number;
  wallMs: number;
}

/** Blue/green rebuild of the account summary over the whole log, default batching. */
export async function rebuild(service: BenchService, batchSize?: number): Promise<RebuildRun> {
  const migrations = await readModelMigrations(MIGRATIONS_DIR);
  const started = performance.now();
  const report = await rebuildReadModel({
    pool: service.pool,
    service: service.name,
    projections: [accountSummary],
    migrations,
    ...(batchSize ? { batchSize } : {}),
  });
  const wallMs = performance.now() - started;
  return { events: report.events, eventsPerSecond: (report.events * 1000) / wallMs, wallMs };
}

/** Checks the rebuilt read model: one row per stream, every event counted. */
export async function verifyRebuild(service: BenchService): Promise<{ rows: number; events: number }> {
  const { rows } = await service.pool.query<{ rows: string; events: string }>(
    `SELECT count(*) AS rows, coalesce(sum(event_count), 0) AS events FROM "${service.readModel}"."account_summary"`,
  );
  return { rows: Number(rows[0]?.rows), events: Number(rows[0]?.events) };
}
