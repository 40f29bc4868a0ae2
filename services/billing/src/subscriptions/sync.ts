import type { MessageMeta } from '@ledgerline/contracts';
import type Stripe from 'stripe';
import type { BillingDeps } from '../billingDeps.js';
import { invoiceSnapshot, invoiceSubscriptionId, subscriptionSnapshot } from '../stripe/snapshots.js';
import { billingMeta, ensureCustomer, runAccountCommand, userIdOfCustomer } from './accounts.js';
import type { SyncSource } from './billingAccount.js';

const customerIdOf = (value: string | { id: string }): string =>
  typeof value === 'string' ? value : value.id;

/** The user a subscription belongs to: what the caller knows, the subscription's metadata, the customer. */
async function ownerOf(deps: BillingDeps, subscription: Stripe.Subscription, hint?: string) {
  return (
    hint ??
    (subscription.metadata?.userId || (await userIdOfCustomer(deps, customerIdOf(subscription.customer))))
  );
}

/**
 * Applies Stripe's current state of a subscription (re-fetched, whatever the event said): the same
 * idempotent step for webhooks, the landing call, API changes and reconciliation. Returns the user.
 */
export async function applySubscription(
  deps: BillingDeps,
  subscription: Stripe.Subscription,
  source: SyncSource,
  options: { userId?: string; meta?: MessageMeta } = {},
) {
  const meta = options.meta ?? billingMeta();
  const userId = await ownerOf(deps, subscription, options.userId);
  if (!userId) {
    deps.logger.warn(
      { subscriptionId: subscription.id },
      'stripe subscription of an unknown customer; skipped',
    );
    return undefined;
  }
  await ensureCustomer(deps, userId, meta, customerIdOf(subscription.customer));
  const snapshot = subscriptionSnapshot(subscription, deps.plans);
  const result = await runAccountCommand(
    deps,
    userId,
    { type: 'SyncSubscription', data: { snapshot, source } },
    meta,
  );
  return { userId, result };
}

export async function syncSubscription(
  deps: BillingDeps,
  subscriptionId: string,
  source: SyncSource,
  options: { userId?: string; meta?: MessageMeta } = {},
) {
  const subscription = await deps.stripe.subscriptions.retrieve(subscriptionId);
  return applySubscription(deps, subscription, source, options);
}

/** A completed Checkout Session: its subscription, for the user it was created for. */
export async function syncCheckoutSession(
  deps: BillingDeps,
  sessionId: string,
  source: SyncSource,
  meta?: MessageMeta,
) {
  const session = await deps.stripe.checkout.sessions.retrieve(sessionId);
  const userId = session.client_reference_id ?? session.metadata?.userId ?? undefined;
  const subscriptionId =
    typeof session.subscription === 'string' ? session.subscription : session.subscription?.id;
  if (session.mode !== 'subscription' || !subscriptionId) return { session, applied: undefined };
  return { session, applied: await syncSubscription(deps, subscriptionId, source, { userId, meta }) };
}

/** An invoice event: the subscription it bills, then the invoice's own state (dunning). */
export async function syncInvoice(deps: BillingDeps, invoiceId: string, meta?: MessageMeta) {
  const invoice = await deps.stripe.invoices.retrieve(invoiceId);
  const subscriptionId = invoiceSubscriptionId(invoice);
  if (!subscriptionId) return;
  const applied = await syncSubscription(deps, subscriptionId, 'webhook', { meta });
  if (!applied) return;
  const snapshot = invoiceSnapshot(invoice);
  const needsPortal = snapshot.status === 'open' && snapshot.attemptCount > 0;
  const customerId = applied.result.state.customerId;
  const portalUrl =
    needsPortal && customerId
      ? (
          await deps.stripe.billingPortal.sessions.create({
            customer: customerId,
            return_url: deps.settings.BILLING_PORTAL_RETURN_URL,
          })
        ).url
      : null;
  await runAccountCommand(
    deps,
    applied.userId,
    { type: 'RecordInvoice', data: { invoice: snapshot, portalUrl } },
    meta,
  );
}

/** `customer.subscription.trial_will_end`: a reminder, once per trial, if it is still a trial. */
export async function remindTrialEnding(deps: BillingDeps, subscriptionId: string, meta?: MessageMeta) {
  const applied = await syncSubscription(deps, subscriptionId, 'webhook', { meta });
  if (!applied) return;
  const snapshot = applied.result.state.subscription;
  if (!snapshot || snapshot.subscriptionId !== subscriptionId) return;
  await runAccountCommand(deps, applied.userId, { type: 'RemindTrialEnding', data: { snapshot } }, meta);
}
