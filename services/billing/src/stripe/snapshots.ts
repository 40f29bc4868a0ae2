import type Stripe from 'stripe';
import type { PlanCatalog } from '../plans/planCatalog.js';
import type { SubscriptionSnapshot } from '../subscriptions/billingAccount.js';
import type { InvoiceSnapshot } from '../subscriptions/decide.js';

const iso = (seconds: number | null | undefined): string | null =>
  typeof seconds === 'number' ? new Date(seconds * 1000).toISOString() : null;

const idOf = (value: string | { id: string } | null | undefined): string | null =>
  typeof value === 'string' ? value : (value?.id ?? null);

const STATUSES = new Set<SubscriptionSnapshot['status']>([
  'incomplete',
  'incomplete_expired',
  'trialing',
  'active',
  'past_due',
  'canceled',
  'unpaid',
  'paused',
]);
// A status Stripe adds later grants nothing until the table above names it.
const statusOf = (status: string): SubscriptionSnapshot['status'] =>
  STATUSES.has(status as SubscriptionSnapshot['status'])
    ? (status as SubscriptionSnapshot['status'])
    : 'incomplete';

/** Stripe's subscription as billing keeps it; the billing period lives on the item (current API). */
export const subscriptionSnapshot = (
  subscription: Stripe.Subscription,
  plans: PlanCatalog,
): SubscriptionSnapshot => {
  const item = subscription.items.data[0];
  const priceId = item?.price.id ?? null;
  const known = priceId ? plans.byPrice(priceId) : undefined;
  return {
    subscriptionId: subscription.id,
    customerId: idOf(subscription.customer) ?? '',
    status: statusOf(subscription.status),
    priceId,
    planId: known?.plan.planId ?? null,
    interval: known?.interval ?? null,
    currentPeriodEnd: iso(item?.current_period_end),
    cancelAtPeriodEnd: subscription.cancel_at_period_end,
    trialEnd: iso(subscription.trial_end),
    createdAt: iso(subscription.created) ?? new Date(0).toISOString(),
  };
};

/** The subscription an invoice bills, from `parent.subscription_details` (current API). */
export const invoiceSubscriptionId = (invoice: Stripe.Invoice): string | null =>
  idOf(invoice.parent?.subscription_details?.subscription);

export const invoiceSnapshot = (invoice: Stripe.Invoice): InvoiceSnapshot => ({
  invoiceId: invoice.id ?? '',
  subscriptionId: invoiceSubscriptionId(invoice),
  status: invoice.status ?? null,
  attemptCount: invoice.attempt_count,
  amountDue: invoice.amount_due,
  amountPaid: invoice.amount_paid,
  currency: invoice.currency,
});
