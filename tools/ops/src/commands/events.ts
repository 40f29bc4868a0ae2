import { PostgresEventStore, quoteIdent, type RecordedEvent, schemasOf } from '@ledgerline/eventsourcing';
import type { Command } from 'commander';
import type { Pool } from 'pg';
import type { GlobalOptions } from '../config.js';
import { withPool } from '../db.js';
import { CliError } from '../errors.js';
import { interruptSignal } from '../interrupt.js';
import { selectService } from '../services/resolveServices.js';

interface TailOptions extends GlobalOptions {
  type?: string[];
  fromStart?: boolean;
  json?: boolean;
}

/** One line per event: position, time, stream, type. */
export const formatEventLine = (event: RecordedEvent): string =>
  [String(event.globalPosition).padStart(8), event.occurredAt, event.streamId, event.type].join('  ');

/** `events tail <service>`: follows a service's event log until Ctrl-C. */
export function registerEvents(program: Command): void {
  const events = program.command('events').description("a service's event log");
  events
    .command('tail')
    .description('follow the event log of a service, from now (or from the start) until Ctrl-C')
    .argument('<service>', 'the service whose log to follow')
    .option('-t, --type <type...>', 'only events of these types (repeat or list several)')
    .option('--from-start', 'print the whole log first')
    .option('--json', 'one JSON event per line')
    .action(async (service: string, _options: unknown, command: Command) => {
      const options = command.optsWithGlobals<TailOptions>();
      await withPool(options.databaseUrl, (pool) => tail(pool, service, options));
    });
}

async function tail(pool: Pool, service: string, options: TailOptions): Promise<void> {
  const target = await selectService(service, { pool });
  const types = options.type ? new Set(options.type.flatMap((t) => t.split(','))) : undefined;
  const after = options.fromStart ? undefined : await headPosition(pool, target.name);
  const store = new PostgresEventStore({ pool, service: target.name });
  const interrupt = interruptSignal();
  let failure: unknown;
  const subscription = store.subscribe({
    ...(after ? { after } : {}),
    onBatch: async (batch) => {
      for (const event of batch) {
        if (types && !types.has(event.type)) continue;
        process.stdout.write(`${options.json ? JSON.stringify(event) : formatEventLine(event)}\n`);
      }
    },
    onError: (error) => {
      failure = error;
      interrupt.abort();
    },
  });
  process.stderr.write(`following ${schemasOf(target.name).eventStore}.events (Ctrl-C to stop)\n`);
  await new Promise((resolve) => interrupt.signal.addEventListener('abort', resolve, { once: true }));
  interrupt.dispose();
  await subscription.stop();
  await store.close();
  if (failure) throw failure;
}

// Starts after the last event below the oldest running transaction: the subscription's own rule,
// so an event committed late by a slower transaction is printed, not skipped.
async function headPosition(pool: Pool, service: string) {
  const events = `${quoteIdent(schemasOf(service).eventStore)}."events"`;
  const { rows } = await pool
    .query<{ tx: string; global_position: string }>(
      // `tx`, not `transaction_id`: ORDER BY would otherwise sort by the text alias.
      `SELECT transaction_id::text AS tx, global_position FROM ${events}
       WHERE transaction_id < pg_snapshot_xmin(pg_current_snapshot())
       ORDER BY transaction_id DESC, global_position DESC LIMIT 1`,
    )
    .catch((error: unknown) => {
      throw new CliError(`${service} has no event store (${(error as Error).message})`);
    });
  const row = rows[0];
  return row ? { transactionId: Number(row.tx), globalPosition: Number(row.global_position) } : undefined;
}
