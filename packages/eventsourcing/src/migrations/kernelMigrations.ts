import type { Pool } from 'pg';
import { schemasOf } from '../postgres/sql.js';
import { applyMigrations, loadMigrations, type Migration, type MigrationReport } from './migrations.js';

// The folders ship with the package: ../../migrations from both src/ and dist/.
const kernelDir = (set: 'event-store' | 'read-model') =>
  new URL(`../../migrations/${set}`, import.meta.url).pathname;

/** The kernel's own migrations for an event-store schema (events, inbox, dead letters, …). */
export const eventStoreMigrations = (): Promise<Migration[]> => loadMigrations(kernelDir('event-store'));

/** The kernel's own migrations for a read-model schema (projection checkpoints). */
export const readModelKernelMigrations = (): Promise<Migration[]> => loadMigrations(kernelDir('read-model'));

/** Kernel read-model migrations first, then the service's Prisma migrations, by name. */
export async function readModelMigrations(serviceMigrationsDir?: string): Promise<Migration[]> {
  const kernel = await readModelKernelMigrations();
  const service = serviceMigrationsDir ? await loadMigrations(serviceMigrationsDir) : [];
  return [...kernel, ...service];
}

/** Migrates both schemas of a service: `<service>_es` and `<service>_rm`. */
export async function migrateService(
  pool: Pool,
  service: string,
  serviceMigrationsDir?: string,
): Promise<MigrationReport[]> {
  const { eventStore, readModel } = schemasOf(service);
  return [
    await applyMigrations(pool, eventStore, await eventStoreMigrations()),
    await applyMigrations(pool, readModel, await readModelMigrations(serviceMigrationsDir)),
  ];
}
