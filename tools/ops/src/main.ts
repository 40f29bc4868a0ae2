import { CommanderError } from 'commander';
import { CliError, describeFailure, oneLine } from './errors.js';
import { buildProgram } from './program.js';

// Entry point of `ledgerline` (bin/ledgerline.js): every failure ends as one line on stderr.
try {
  await buildProgram().parseAsync(process.argv);
  process.exitCode ??= 0;
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode;
  } else {
    process.stderr.write(`ledgerline: ${oneLine(describeFailure(error))}\n`);
    process.exitCode = error instanceof CliError ? error.exitCode : 1;
  }
}
