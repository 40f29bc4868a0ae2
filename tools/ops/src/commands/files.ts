import {
  isAppError,
  listStuckUploadsQuery,
  type RequestContract,
  type RequestOf,
  sweepIncomingCommand,
  verifyUploadCommand,
} from '@ledgerline/contracts';
import type { Command } from 'commander';
import { parsePositiveInt } from '../cliArgs.js';
import type { GlobalOptions } from '../config.js';
import { CliError, redactUrl } from '../errors.js';

interface FilesOptions extends GlobalOptions {
  timeout: number;
}

/**
 * `files stuck` lists uploads verifying for too long; `files verify <fileId>` re-runs verification
 * (idempotent: it resumes after the last recorded step); `files sweep` removes orphans under incoming/.
 */
export function registerFiles(program: Command): void {
  const files = program.command('files').description('uploads and their verification');
  files
    .command('stuck')
    .description('list uploads that have been verifying for longer than --older-than seconds')
    .option('--older-than <seconds>', 'minimum time in verifying', parsePositiveInt, 900)
    .option('--limit <n>', 'at most this many', parsePositiveInt, 100)
    .option('--timeout <ms>', 'how long to wait for the files service', parsePositiveInt, 10_000)
    .action(async (_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<FilesOptions & { olderThan: number; limit: number }>();
      const { items } = await send(options, listStuckUploadsQuery, {
        olderThanSeconds: options.olderThan,
        limit: options.limit,
      });
      if (items.length === 0) console.log('no stuck uploads');
      for (const file of items) {
        console.log(
          `${file.fileId}  owner ${file.ownerId}  ${file.size} bytes  verifying since ${file.updatedAt}`,
        );
      }
    });
  files
    .command('verify <fileId>')
    .description('re-run the verification of one upload (resumes after its last recorded step)')
    .option('--timeout <ms>', 'how long to wait for the verification', parsePositiveInt, 120_000)
    .action(async (fileId: string, _options: unknown, command: Command) => {
      const options = command.optsWithGlobals<FilesOptions>();
      const result = await send(options, verifyUploadCommand, { fileId });
      console.log(`${fileId}: ${result.status}${result.reason ? ` (${result.reason})` : ''}`);
    });
  files
    .command('sweep')
    .description('remove objects and multipart uploads under incoming/ that no live upload owns')
    .option('--older-than <seconds>', 'only objects at least this old', parsePositiveInt, 86_400)
    .option('--timeout <ms>', 'how long to wait for the sweep', parsePositiveInt, 300_000)
    .action(async (_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<FilesOptions & { olderThan: number }>();
      const { removed } = await send(options, sweepIncomingCommand, { olderThanSeconds: options.olderThan });
      console.log(`removed ${removed.length} orphan(s)`);
      for (const key of removed) console.log(`  ${key}`);
    });
}

async function send<C extends RequestContract>(options: FilesOptions, contract: C, request: RequestOf<C>) {
  // Only NATS and the typed request (the platform's light entry point), only for these commands.
  const { closeNats, connectNats, natsRequest, newRootMeta } = await import('@ledgerline/platform/nats');
  const nc = await connectNats({ servers: options.natsUrl.split(','), name: 'ledgerline-ops' }).catch(
    (error: unknown) => {
      throw new CliError(
        `cannot connect to NATS at ${redactUrl(options.natsUrl)}: ${(error as Error).message}`,
      );
    },
  );
  try {
    return await natsRequest(nc, contract, request, {
      meta: newRootMeta({ type: 'system', id: 'ops-cli' }),
      timeoutMs: options.timeout,
    });
  } catch (error) {
    if (isAppError(error) && error.code === 'UNAVAILABLE' && /listening/.test(error.message)) {
      throw new CliError(`the files service is not running: nobody answers ${contract.subject}`);
    }
    throw error;
  } finally {
    await closeNats(nc);
  }
}
