import {
  type RebuildReport,
  readModelMigrations,
  rebuildReadModel,
  schemasOf,
} from '@ledgerline/eventsourcing';
import type { Command } from 'commander';
import { parsePositiveInt } from '../cliArgs.js';
import type { GlobalOptions } from '../config.js';
import { withPool } from '../db.js';
import { CliError } from '../errors.js';
import { interruptSignal } from '../interrupt.js';
import { rebuildProgressBar } from '../output/progressBar.js';
import { type ServiceTarget, selectService } from '../services/resolveServices.js';

interface RebuildOptions extends GlobalOptions {
  manifest?: string;
  batchSize?: number;
}

/** `projections rebuild <service> [projection]`: blue/green rebuild of the service's read-model schema. */
export async function rebuildAction(
  service: string,
  projection: string | undefined,
  options: RebuildOptions,
): Promise<void> {
  await withPool(options.databaseUrl, async (pool) => {
    const target = await selectService(service, { manifest: options.manifest, pool });
    const projections = projectionsOf(target, projection);
    const { readModel, readModelNext } = schemasOf(target.name);
    const names = projections.map((p) => p.name).join(', ');
    const scope = projection
      ? `${projection} is rebuilt with the whole schema`
      : 'rebuilding the whole schema';
    const interrupt = interruptSignal(() => process.stderr.write('\nstopping after the current batch…\n'));
    const bar = rebuildProgressBar();
    console.log(`${target.name}: ${scope}: ${readModel} (${names}) is replayed into ${readModelNext}`);
    console.log('queries keep reading the live schema until the swap; Ctrl-C abandons the rebuild safely');
    try {
      const report = await rebuildReadModel({
        pool,
        service: target.name,
        projections,
        migrations: await readModelMigrations(target.manifest?.readModelMigrationsDir),
        onProgress: (p) => bar.update(p),
        signal: interrupt.signal,
        ...(options.batchSize ? { batchSize: options.batchSize } : {}),
      });
      bar.stop();
      console.log(describeReport(target.name, report));
    } catch (error) {
      bar.stop();
      if (interrupt.signal.aborted) {
        throw new CliError(
          `rebuild of ${target.name} aborted: ${readModel} is unchanged and still serving; ` +
            `the partial ${readModelNext} is dropped by the next rebuild`,
          130,
        );
      }
      throw error;
    } finally {
      interrupt.dispose();
    }
  });
}

function projectionsOf(target: ServiceTarget, projection: string | undefined) {
  const projections = target.manifest?.projections ?? [];
  if (projections.length === 0) throw new CliError(`${target.name} has no projections to rebuild`);
  if (projection && !projections.some((p) => p.name === projection)) {
    const known = projections.map((p) => p.name).join(', ');
    throw new CliError(`${target.name} has no projection "${projection}" (projections: ${known})`);
  }
  return projections;
}

/** The summary line after a rebuild, with the events a projection threw on (parked by the live one). */
export function describeReport(service: string, report: RebuildReport): string {
  const seconds = (report.durationMs / 1000).toFixed(1);
  const lines = [
    `${service}: rebuilt from ${report.events} events in ${seconds}s ` +
      `(${report.eventsPerSecond} events/s), schemas swapped in ${Math.round(report.swapMs)} ms`,
  ];
  for (const s of report.skipped) lines.push(`  skipped event ${s.eventId} in ${s.projection}: ${s.error}`);
  return lines.join('\n');
}

/** Commander hook: reads the options (with the globals) and runs the rebuild. */
export const registerRebuild = (projections: Command): void => {
  projections
    .command('rebuild')
    .description('blue/green rebuild of a read-model schema: replay into <svc>_rm_next, then swap')
    .argument('<service>', 'the service whose read models to rebuild')
    .argument('[projection]', "a projection of the service (the schema's projections are rebuilt together)")
    .option('--manifest <module>', 'a service manifest module (a service outside the registry)')
    .option('--batch-size <n>', 'events per replay transaction (default 10000)', parsePositiveInt)
    .action((service: string, projection: string | undefined, _options: unknown, command: Command) =>
      rebuildAction(service, projection, command.optsWithGlobals<RebuildOptions>()),
    );
};
