import type { Command } from 'commander';
import type { GlobalOptions } from '../config.js';
import { withPool } from '../db.js';
import { formatStatus } from '../output/statusTable.js';
import { selectServices } from '../services/resolveServices.js';
import { readServiceStatus } from '../status/projectionStatus.js';
import { registerRebuild } from './rebuild.js';

interface StatusOptions extends GlobalOptions {
  service?: string;
  manifest?: string;
  json?: boolean;
}

/** `projections status|rebuild`. */
export function registerProjections(program: Command): void {
  const projections = program.command('projections').description('read-model projections');
  projections
    .command('status')
    .description('checkpoint, head, lag, state and dead letters of every projection')
    .option('-s, --service <name>', 'only this service')
    .option('--manifest <module>', 'a service manifest module (a service outside the registry)')
    .option('--json', 'print JSON instead of a table')
    .action(async (_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<StatusOptions>();
      await withPool(options.databaseUrl, async (pool) => {
        const targets = await selectServices({ ...options, pool });
        const statuses = [];
        for (const target of targets) statuses.push(await readServiceStatus(pool, target));
        console.log(options.json ? JSON.stringify({ services: statuses }, null, 2) : formatStatus(statuses));
      });
    });
  registerRebuild(projections);
}
