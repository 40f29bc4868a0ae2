import { inlineProjections, PostgresEventStore, schemasOf } from '@ledgerline/eventsourcing';
import { closeNats, connectNats, createLogger, loadServiceConfig } from '@ledgerline/platform';
import { prismaReadModels } from '@ledgerline/platform/prisma';
import pg from 'pg';
import { billingConfig, billingUrls } from '../config.js';
import { PrismaClient } from '../generated/prisma/client.js';
import { loadPlanFile } from '../plans/planCatalog.js';
import { createStripeClient } from '../stripe/stripeClient.js';
import { billingAccountsProjection } from '../subscriptions/projections/billingAccounts.js';
import { type ReconcileReport, reconcile } from './reconcile.js';

export interface StandaloneOptions {
  /** Flags of the CLI win over DATABASE_URL / NATS_URL. */
  readonly databaseUrl?: string;
  readonly natsUrl?: string;
}

/**
 * One reconciliation outside the service (the ops CLI): the same variables as billing (STRIPE_*,
 * BILLING_*, SERVICE_SCHEMA), the same event store with its inline read model, then closed.
 */
export async function reconcileOnce(
  env: Record<string, string | undefined>,
  options: StandaloneOptions = {},
): Promise<ReconcileReport> {
  const config = loadServiceConfig(
    { name: 'billing', config: billingConfig },
    {
      ...env,
      ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
      ...(options.natsUrl ? { NATS_URL: options.natsUrl } : {}),
    },
  );
  const schema = config.SERVICE_SCHEMA ?? 'billing';
  const logger = createLogger({ service: 'billing-reconcile', level: config.LOG_LEVEL });
  const pool = new pg.Pool({ connectionString: config.DATABASE_URL, max: 3 });
  const store = new PostgresEventStore({
    pool,
    service: schema,
    appendHooks: [inlineProjections(schema, [billingAccountsProjection])],
  });
  const readModels = prismaReadModels(PrismaClient)(pool, schemasOf(schema).readModel);
  const nats = await connectNats({ servers: config.NATS_URL.split(','), name: 'billing-reconcile' });
  try {
    return await reconcile({
      schema,
      pool,
      store,
      readModels,
      stripe: createStripeClient(config),
      plans: loadPlanFile(config.BILLING_PLANS),
      settings: { ...config, ...billingUrls(config) },
      logger,
      nats,
      clock: () => new Date(),
    });
  } finally {
    await closeNats(nats).catch(() => undefined);
    await store.close();
    await readModels.$disconnect();
    await pool.end();
  }
}
