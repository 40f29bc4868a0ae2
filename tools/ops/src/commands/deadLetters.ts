import {
  type DeadLetterSource,
  type DeadLetterStatus,
  getDeadLetter,
  inlineProjections,
  listDeadLetters,
  PostgresEventStore,
  resolveDeadLetter,
  retryProjectionDeadLetter,
  retryReactorDeadLetter,
} from '@ledgerline/eventsourcing';
import { type Command, Option } from 'commander';
import type { Pool } from 'pg';
import { parsePositiveInt } from '../cliArgs.js';
import type { GlobalOptions } from '../config.js';
import { withPool } from '../db.js';
import { CliError } from '../errors.js';
import { formatDeadLetter, formatDeadLetterList, type ServiceDeadLetter } from '../output/deadLetterText.js';
import { type SelectOptions, type ServiceTarget, selectServices } from '../services/resolveServices.js';

interface DeadLetterOptions extends GlobalOptions {
  service?: string;
  manifest?: string;
  kind?: DeadLetterSource;
  name?: string;
  status?: DeadLetterStatus;
  limit?: number;
  json?: boolean;
}

const KINDS = ['projection', 'consumer', 'relay', 'saga', 'reactor'] as const;
const STATUSES = ['parked', 'retried', 'discarded'] as const;

/** `dead-letters list|show|retry|discard`: what projections, consumers, the relay and sagas parked. */
export function registerDeadLetters(program: Command): void {
  const group = program.command('dead-letters').description('messages that could not be processed');
  const common = (command: Command) =>
    command
      .option('-s, --service <name>', 'only this service (default: every service with a database)')
      .option('--manifest <module>', 'a service manifest module (a service outside the registry)');

  common(group.command('list').description('list dead letters, newest first'))
    .addOption(new Option('-k, --kind <kind>', 'source kind').choices(KINDS))
    .option('-n, --name <name>', 'source name (projection, consumer, saga)')
    .addOption(new Option('--status <status>', 'status').choices(STATUSES))
    .option('--limit <n>', 'at most this many per service', parsePositiveInt, 100)
    .option('--json', 'print JSON')
    .action(
      run(async (pool, options) => {
        const letters: ServiceDeadLetter[] = [];
        for (const target of await targets(pool, options)) {
          const rows = await listDeadLetters(pool, target.name, {
            sourceKind: options.kind,
            sourceName: options.name,
            status: options.status,
            limit: options.limit,
          });
          letters.push(...rows.map((row) => ({ ...row, service: target.name })));
        }
        console.log(options.json ? JSON.stringify(letters, null, 2) : formatDeadLetterList(letters));
      }),
    );

  common(group.command('show').description('one dead letter with its payload').argument('<id>'))
    .option('--json', 'print JSON')
    .action(
      run(async (pool, options, id) => {
        const { letter } = await find(pool, options, id);
        console.log(options.json ? JSON.stringify(letter, null, 2) : formatDeadLetter(letter));
      }),
    );

  common(
    group.command('retry').description('apply a parked message again with the current code').argument('<id>'),
  ).action(
    run(async (pool, options, id) => {
      const { letter, target } = await find(pool, options, id);
      if (letter.status !== 'parked') throw new CliError(`dead letter ${id} is already ${letter.status}`);
      if (letter.sourceKind === 'reactor') {
        const applied = await retryReactor(pool, target, id);
        if (!applied) throw new CliError(`dead letter ${id} was resolved meanwhile; nothing applied`);
        console.log(
          `retried ${id}: reactor ${letter.sourceName} applied ${letter.messageType ?? 'the event'}`,
        );
        return;
      }
      if (letter.sourceKind !== 'projection') throw unsupportedRetry(letter);
      const applied = await retryProjectionDeadLetter(
        pool,
        target.name,
        id,
        target.manifest?.projections ?? [],
      );
      if (!applied) throw new CliError(`dead letter ${id} was resolved meanwhile; nothing applied`);
      console.log(`retried ${id}: ${letter.sourceName} applied ${letter.messageType ?? 'the event'}`);
    }),
  );

  common(group.command('discard').description('mark a parked message as discarded').argument('<id>')).action(
    run(async (pool, options, id) => {
      const { letter, target } = await find(pool, options, id);
      const resolved = await resolveDeadLetter(pool, target.name, id, 'discarded');
      if (!resolved) throw new CliError(`dead letter ${id} is already ${letter.status}`);
      console.log(`discarded ${id} (${letter.sourceKind} ${letter.sourceName})`);
    }),
  );
}

type Action = (pool: Pool, options: DeadLetterOptions, id: string) => Promise<void>;

// Commander passes (args…, options, command); every subcommand here takes at most one argument.
const run =
  (action: Action) =>
  async (...args: unknown[]): Promise<void> => {
    const command = args.at(-1) as Command;
    const options = command.optsWithGlobals<DeadLetterOptions>();
    const id = typeof args[0] === 'string' ? args[0] : '';
    await withPool(options.databaseUrl, (pool) => action(pool, options, id));
  };

const targets = (pool: Pool, options: SelectOptions) => selectServices({ ...options, pool });

/** Looks the id up in the named service, or in every service when none is named. */
async function find(pool: Pool, options: DeadLetterOptions, id: string) {
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw new CliError(`"${id}" is not a dead-letter id (a UUID)`);
  const searchAll = !options.service && !options.manifest;
  for (const target of await targets(pool, options)) {
    const letter = await getDeadLetter(pool, target.name, id).catch((error: unknown) => {
      if (searchAll) return undefined; // an unmigrated service simply holds none
      throw error;
    });
    if (letter) return { letter: { ...letter, service: target.name }, target: target as ServiceTarget };
  }
  throw new CliError(`no dead letter ${id}${options.service ? ` in ${options.service}` : ''}`);
}

// A reactor's effect appends through the store: with the service's inline projections, as in the service.
async function retryReactor(pool: Pool, target: ServiceTarget, id: string): Promise<boolean> {
  const manifest = target.manifest;
  const asyncNames = new Set(manifest?.asyncProjections ?? []);
  const inline = (manifest?.projections ?? []).filter((p) => !asyncNames.has(p.name));
  const store = new PostgresEventStore({
    pool,
    service: target.name,
    appendHooks: inline.length > 0 ? [inlineProjections(target.name, inline)] : [],
  });
  try {
    return await retryReactorDeadLetter({
      pool,
      service: target.name,
      store,
      id,
      reactors: manifest?.reactors ?? [],
    });
  } finally {
    await store.close();
  }
}

function unsupportedRetry(letter: ServiceDeadLetter): CliError {
  return new CliError(
    `cannot retry a ${letter.sourceKind} dead letter from the CLI: ${letter.sourceKind} handlers run inside ` +
      `${letter.service} with its connections (NATS, SMTP, …), so retries belong there; ` +
      `fix the cause and discard it here, or replay it in the service`,
  );
}
