import { type MigrationReport, migrateService } from '@ledgerline/eventsourcing';
import { knownService } from '@ledgerline/platform/discover';
import type { Command } from 'commander';
import type { GlobalOptions } from '../config.js';
import { withPool } from '../db.js';
import { selectServices } from '../services/resolveServices.js';

interface MigrateOptions extends GlobalOptions {
  service?: string;
  manifest?: string;
}

/** `migrate`: the kernel's event-store migrations and each service's read models (the Helm job's path). */
export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description("apply the kernel's event-store migrations and the services' read-model migrations")
    .option('-s, --service <name>', 'only this service (default: every service with a database)')
    .option('--manifest <module>', 'a service manifest module to migrate (a service outside the registry)')
    .action(async (_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<MigrateOptions>();
      if (options.service && !options.manifest && isDatabaseless(options.service)) {
        console.log(`${options.service}: no database, nothing to migrate`);
        return;
      }
      await withPool(options.databaseUrl, async (pool) => {
        for (const target of await selectServices(options)) {
          const reports = await migrateService(pool, target.name, target.manifest?.readModelMigrationsDir);
          console.log(describeMigration(target.name, reports));
        }
      });
    });
}

const isDatabaseless = (name: string) => knownService(name)?.database === false;

/** One block per service: what was applied into each schema, or that it was up to date. */
export function describeMigration(service: string, reports: MigrationReport[]): string {
  const lines = reports.map((r) =>
    r.applied.length === 0
      ? `  ${r.schema}: up to date (${r.alreadyApplied.length} applied before)`
      : `  ${r.schema}: applied ${r.applied.join(', ')}`,
  );
  return [`${service}:`, ...lines].join('\n');
}
