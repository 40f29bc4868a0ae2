import type { MessageMeta } from '@ledgerline/contracts';
import type { PostgresEventStore } from '@ledgerline/eventsourcing';
import type { NatsConnection } from '@nats-io/transport-node';
import type pg from 'pg';
import type { Logger } from 'pino';
import type Stripe from 'stripe';
import type { PlanCatalog } from './plans/planCatalog.js';
import type { ReadModels } from './service.js';

/** What billing's config parses to (its own variables; the runtime adds the base ones). */
export interface BillingSettings {
  readonly BILLING_SUCCESS_URL: string;
  readonly BILLING_CANCEL_URL: string;
  readonly BILLING_PORTAL_RETURN_URL: string;
  readonly PAST_DUE_GRACE_SECONDS: number;
  readonly BILLING_STRIPE_CONSUMER: string;
  readonly BILLING_SAGA_CONSUMER: string;
  readonly NATS_REQUEST_TIMEOUT_MS?: number;
}

/** Everything billing's handlers, consumer, saga and reconciliation use. */
export interface BillingDeps {
  readonly schema: string;
  readonly pool: pg.Pool;
  readonly store: PostgresEventStore;
  /** Queries on billing's read models (Prisma); writes go through the projections. */
  readonly readModels: ReadModels;
  readonly stripe: Stripe;
  readonly plans: PlanCatalog;
  readonly settings: BillingSettings;
  readonly logger: Logger;
  readonly nats: NatsConnection;
  readonly clock: () => Date;
}

/** A meta for what billing does on its own (consumer, reconciliation): a service actor. */
export type MetaSource = MessageMeta | undefined;
