import { defineFeature, defineService, type ServiceConfig, type ServiceContext } from '@ledgerline/platform';
import { prismaReadModels } from '@ledgerline/platform/prisma';
import type Stripe from 'stripe';
import type { BillingDeps } from './billingDeps.js';
import { billingConfig, billingUrls, DEV_STRIPE_KEY } from './config.js';
import { PrismaClient } from './generated/prisma/client.js';
import { loadPlanFile, type PlanCatalog } from './plans/planCatalog.js';
import { startReconcileWorker } from './reconciliation/reconcileWorker.js';
import { createStripeClient } from './stripe/stripeClient.js';
import { cancelOnDeactivation } from './subscriptions/deactivation.js';
import { entitlementsSaga } from './subscriptions/entitlementsSaga.js';
import { billingHandlers } from './subscriptions/handlers.js';
import { billingAccountsProjection } from './subscriptions/projections/billingAccounts.js';
import { startStripeEvents } from './subscriptions/stripeEvents.js';

export type BillingConfig = ServiceConfig<typeof billingConfig>;
/** Billing's Prisma client: queries on the read models in `<schema>_rm`. */
export type ReadModels = PrismaClient;
export type BillingContext = ServiceContext<
  BillingConfig,
  ReadModels,
  { stripe: Stripe; plans: PlanCatalog }
>;

type SubscriptionsDeps = BillingDeps & { config: BillingConfig };

const depsOf = (ctx: BillingContext): SubscriptionsDeps => ({
  schema: ctx.schema,
  pool: ctx.pool,
  store: ctx.store,
  readModels: ctx.readModels,
  stripe: ctx.resources.stripe,
  plans: ctx.resources.plans,
  settings: { ...ctx.config, ...billingUrls(ctx.config) },
  logger: ctx.logger,
  nats: ctx.nats,
  clock: () => new Date(),
  config: ctx.config,
});

/** Subscriptions: checkout, the Stripe event consumer, entitlements → identity, grace periods, reconciliation. */
export const subscriptions = defineFeature<BillingContext, SubscriptionsDeps>({
  name: 'subscriptions',
  deps: depsOf,
  handlers: billingHandlers,
  projections: { inline: [billingAccountsProjection] },
  workers: [
    { name: 'stripe-events', start: (deps) => startStripeEvents(deps) },
    { name: 'reconcile', start: async (deps) => startReconcileWorker(deps, deps.config.RECONCILE_CRON) },
  ],
  consumers: [
    {
      name: 'billing-identity',
      filterSubject: 'evt.identity.>',
      description: 'billing: account deactivation cancels the subscription at period end',
      settings: (deps) => ({
        durable: deps.config.BILLING_IDENTITY_CONSUMER,
        accepts: (subject) => subject === 'evt.identity.UserDeactivated',
      }),
      handle: (deps, ctx) => cancelOnDeactivation(deps, ctx),
    },
  ],
  sagas: [
    {
      saga: entitlementsSaga,
      filterSubject: 'evt.billing.>',
      commandTimeoutMs: 3000,
      // One message per fetch. Each EntitlementsChanged waits for identity's reply before its ack,
      // so a batch of 10 under load outlasted the fetch's heartbeat window (2 s): nats.js ended the
      // fetch with "heartbeats missed" and the rest of the batch waited out the 30 s ack wait
      // (bench/billing: p99 ≈ 30 s, that error 8 times during one run).
      settings: (deps) => ({ durable: deps.config.BILLING_SAGA_CONSUMER, maxDeliver: 10, batchSize: 1 }),
    },
  ],
});

export default defineService({
  name: 'billing',
  config: billingConfig,
  // A real key in production: the development default only reaches a local fake.
  checkConfig: (config) =>
    config.NODE_ENV === 'production' && config.STRIPE_SECRET_KEY === DEV_STRIPE_KEY
      ? [{ name: 'STRIPE_SECRET_KEY', problem: 'required in production' }]
      : [],
  readModels: { prismaDir: new URL('../prisma', import.meta.url), client: prismaReadModels(PrismaClient) },
  resources: {
    stripe: { create: ({ config }) => createStripeClient(config) },
    plans: { create: ({ config }) => loadPlanFile(config.BILLING_PLANS) },
  },
  features: [subscriptions],
});
