import { Command, Option } from 'commander';
import { registerBilling } from './commands/billing.js';
import { registerDeadLetters } from './commands/deadLetters.js';
import { registerEvents } from './commands/events.js';
import { registerFiles } from './commands/files.js';
import { registerMigrate } from './commands/migrate.js';
import { registerProjections } from './commands/projections.js';
import { registerSecrets } from './commands/secrets.js';
import { registerUsers } from './commands/users.js';
import { opsDefaults } from './config.js';
import { oneLine } from './errors.js';

/** The `ledgerline` program: global connection options and every command. */
export function buildProgram(env: Record<string, string | undefined> = process.env): Command {
  const defaults = opsDefaults(env);
  // Set before the subcommands are added: they inherit the output settings.
  const program = new Command('ledgerline')
    .description(
      'Operate a Ledgerline cluster: migrations, projections, dead letters, users, secrets, events.',
    )
    // The default's description, not its value: an env URL may hold a password.
    .addOption(
      new Option('--database-url <url>', 'PostgreSQL URL').default(
        defaults.databaseUrl,
        'env DATABASE_URL, else localhost',
      ),
    )
    .addOption(
      new Option('--nats-url <url>', 'NATS URL(s), comma-separated').default(
        defaults.natsUrl,
        'env NATS_URL, else localhost',
      ),
    )
    .configureOutput({ outputError: (text, write) => write(`ledgerline: ${oneLine(text)}\n`) });
  registerMigrate(program);
  registerProjections(program);
  registerDeadLetters(program);
  registerUsers(program);
  registerSecrets(program);
  registerEvents(program);
  registerFiles(program);
  registerBilling(program, env);
  return program;
}
