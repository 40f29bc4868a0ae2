import { bootstrapAdminCommand, isAppError } from '@ledgerline/contracts';
import type { Command } from 'commander';
import { parsePositiveInt } from '../cliArgs.js';
import type { GlobalOptions } from '../config.js';
import { CliError, redactUrl } from '../errors.js';
import { readPassword } from '../readPassword.js';

interface CreateAdminOptions extends GlobalOptions {
  email: string;
  displayName: string;
  passwordStdin?: boolean;
  timeout: number;
}

/** `users create-admin`: the first administrator, through identity's BootstrapAdmin command. */
export function registerUsers(program: Command): void {
  const users = program.command('users').description('user accounts');
  users
    .command('create-admin')
    .description('create (or promote) the first administrator; prompts for the password')
    .requiredOption('-e, --email <email>', "the administrator's e-mail")
    .option('--display-name <name>', 'the name shown for the administrator', 'Administrator')
    .option('--password-stdin', 'read the password from stdin (also the default when stdin is piped)')
    .option('--timeout <ms>', 'how long to wait for identity', parsePositiveInt, 10_000)
    .action(async (_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<CreateAdminOptions>();
      const password = await readPassword(options.passwordStdin === true);
      const { userId, created } = await bootstrapAdmin(options, password);
      console.log(
        created
          ? `created administrator ${options.email}: user id ${userId}`
          : `administrator ${options.email} already exists: user id ${userId}`,
      );
    });
}

async function bootstrapAdmin(options: CreateAdminOptions, password: string) {
  // Only NATS and the typed request (the platform's light entry point), and only for this command.
  const { closeNats, connectNats, natsRequest, newRootMeta } = await import('@ledgerline/platform/nats');
  const nc = await connectNats({ servers: options.natsUrl.split(','), name: 'ledgerline-ops' }).catch(
    (error: unknown) => {
      throw new CliError(
        `cannot connect to NATS at ${redactUrl(options.natsUrl)}: ${(error as Error).message}`,
      );
    },
  );
  try {
    return await natsRequest(
      nc,
      bootstrapAdminCommand,
      { email: options.email, password, displayName: options.displayName },
      { meta: newRootMeta({ type: 'system', id: 'ops-cli' }), timeoutMs: options.timeout },
    );
  } catch (error) {
    if (isAppError(error) && error.code === 'UNAVAILABLE') {
      throw new CliError(`identity is not running: nobody answers ${bootstrapAdminCommand.subject}`);
    }
    throw error;
  } finally {
    await closeNats(nc);
  }
}
