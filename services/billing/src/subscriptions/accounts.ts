import { getMeQuery, type MessageMeta, NotFoundError } from '@ledgerline/contracts';
import { fold, handleCommand } from '@ledgerline/eventsourcing';
import { natsRequest, newRootMeta } from '@ledgerline/platform';
import type { BillingDeps } from '../billingDeps.js';
import { type BillingAccount, type BillingEvent, billingStreamId } from './billingAccount.js';
import { type BillingCommand, billingDecider } from './decide.js';

/** Billing's own actor, for what it does unprompted (consumer, saga, reconciliation). */
export const billingMeta = (): MessageMeta => newRootMeta({ type: 'service', id: 'billing' });

/** The account as its stream folds now (read-your-writes: no read model in between). */
export async function loadAccount(deps: BillingDeps, userId: string): Promise<BillingAccount> {
  const stored = await deps.store.readStream(billingStreamId(userId));
  return fold(
    billingDecider,
    stored.map((e) => ({ type: e.type, data: e.data }) as BillingEvent),
  );
}

/** Runs one command on a user's account; a concurrent writer makes it decide again on fresh state. */
export async function runAccountCommand(
  deps: BillingDeps,
  userId: string,
  command: BillingCommand,
  meta: MessageMeta = billingMeta(),
) {
  return handleCommand({
    store: deps.store,
    decider: billingDecider,
    streamId: billingStreamId(userId),
    command,
    context: () => ({
      now: deps.clock(),
      plans: deps.plans,
      graceSeconds: deps.settings.PAST_DUE_GRACE_SECONDS,
    }),
    retries: 5,
    meta,
  });
}

/** The user a Stripe customer belongs to: billing's read model, else the customer's metadata. */
export async function userIdOfCustomer(deps: BillingDeps, customerId: string): Promise<string | undefined> {
  const known = await deps.readModels.billingAccount.findUnique({
    where: { customerId },
    select: { id: true },
  });
  if (known) return known.id;
  const customer = await deps.stripe.customers.retrieve(customerId);
  return customer.deleted ? undefined : customer.metadata?.userId || undefined;
}

/**
 * The user's Stripe customer, created once: the account's stream holds it, and concurrent first
 * calls send the same Idempotency-Key, so Stripe returns one customer to both.
 */
export async function ensureCustomer(
  deps: BillingDeps,
  userId: string,
  meta: MessageMeta,
  knownCustomerId?: string,
): Promise<BillingAccount> {
  const account = await loadAccount(deps, userId);
  if (account.customerId) return account;
  const profile = await natsRequest(deps.nats, getMeQuery, { userId }, { meta }).catch((error: unknown) => {
    if ((error as { code?: string }).code === 'NOT_FOUND')
      throw new NotFoundError('no such user', { userId });
    throw error;
  });
  const customerId =
    knownCustomerId ??
    (
      await deps.stripe.customers.create(
        { email: profile.email, name: profile.displayName, metadata: { userId } },
        { idempotencyKey: `ledgerline-customer-${userId}` },
      )
    ).id;
  const { email, displayName, locale } = profile;
  const result = await runAccountCommand(
    deps,
    userId,
    { type: 'RegisterCustomer', data: { userId, customerId, email, displayName, locale } },
    meta,
  );
  return result.state;
}
