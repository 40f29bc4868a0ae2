import type { Command } from 'commander';
import type { GlobalOptions } from '../config.js';
import { CliError } from '../errors.js';

/**
 * `billing reconcile`: lists the Stripe subscriptions of billing's known customers and applies
 * Stripe's state where billing's differs (ReconciledFromStripe), printing one line per corrected
 * subscription and a count. Reads the same STRIPE_* / BILLING_* / SERVICE_SCHEMA variables as billing.
 */
export function registerBilling(
  program: Command,
  env: Record<string, string | undefined> = process.env,
): void {
  const billing = program.command('billing').description('billing (Stripe subscriptions)');
  billing
    .command('reconcile')
    .description('repair billing from Stripe (missed webhooks); prints each correction and a count')
    .action(async (_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      // Loaded only for this command: billing brings the Stripe client and the kernel.
      const { formatReport, reconcileOnce } = await import('@ledgerline/billing');
      const report = await reconcileOnce(env, {
        databaseUrl: options.databaseUrl,
        natsUrl: options.natsUrl,
      }).catch((error: unknown) => {
        throw new CliError(`reconciliation failed: ${(error as Error).message}`);
      });
      for (const line of formatReport(report)) console.log(line);
    });
}
