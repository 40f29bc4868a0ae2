import {
  adminListSubscriptionsQuery,
  ConflictError,
  cancelSubscriptionCommand,
  changePlanCommand,
  completeCheckoutCommand,
  createPortalSessionCommand,
  expireGraceCommand,
  ForbiddenError,
  getSubscriptionQuery,
  IllegalStateError,
  listInvoicesQuery,
  listPlansQuery,
  type MessageMeta,
  NotFoundError,
  resumeSubscriptionCommand,
  type SubscriptionView,
  startCheckoutCommand,
  UnauthorizedError,
  ValidationError,
} from '@ledgerline/contracts';
import { on } from '@ledgerline/platform';
import type { BillingDeps } from '../billingDeps.js';
import { withStripeErrors } from '../stripe/stripeErrors.js';
import { ensureCustomer, loadAccount, runAccountCommand } from './accounts.js';
import { listAccounts } from './adminList.js';
import type { BillingAccount } from './billingAccount.js';
import { listInvoices } from './invoices.js';
import { applySubscription, syncCheckoutSession } from './sync.js';

const callerOf = (meta: MessageMeta): string => {
  if (meta.actor.type !== 'user' || !meta.actor.id)
    throw new UnauthorizedError('a signed-in user is required');
  return meta.actor.id;
};

const LIVE = new Set(['trialing', 'active', 'past_due', 'incomplete', 'unpaid', 'paused']);

/** What GET /billing/subscription shows, from the account's stream. */
export const viewOf = (deps: BillingDeps, account: BillingAccount): SubscriptionView => {
  const sub = account.subscription;
  const access =
    account.access.subscriptionStatus === 'none' ? { ...account.access, ...deps.plans.free } : account.access;
  return {
    status: sub?.status ?? 'none',
    planId: sub?.planId ?? null,
    tier: access.tier,
    interval: sub?.interval ?? null,
    currentPeriodEnd: sub?.currentPeriodEnd ?? null,
    cancelAtPeriodEnd: sub?.cancelAtPeriodEnd ?? false,
    trialEnd: sub?.trialEnd ?? null,
    entitlements: access.entitlements,
  };
};

const priceOf = (deps: BillingDeps, planId: string, interval: 'month' | 'year') => {
  const plan = deps.plans.byId(planId);
  const price = plan?.prices.find((p) => p.interval === interval);
  if (!plan || !price)
    throw new ValidationError(`plan ${planId} has no ${interval}ly price`, { planId, interval });
  return { plan, price };
};

async function startCheckout(
  deps: BillingDeps,
  request: { planId: string; interval: 'month' | 'year' },
  meta: MessageMeta,
) {
  const userId = callerOf(meta);
  const { plan, price } = priceOf(deps, request.planId, request.interval);
  const account = await ensureCustomer(deps, userId, meta);
  if (account.subscription && LIVE.has(account.subscription.status)) {
    throw new ConflictError('you already have a subscription; change its plan instead', {
      status: account.subscription.status,
    });
  }
  const session = await deps.stripe.checkout.sessions.create({
    mode: 'subscription',
    customer: account.customerId ?? undefined,
    client_reference_id: userId,
    line_items: [{ price: price.stripePriceId, quantity: 1 }],
    success_url: deps.settings.BILLING_SUCCESS_URL,
    cancel_url: deps.settings.BILLING_CANCEL_URL,
    metadata: { userId, planId: plan.planId },
    subscription_data: {
      metadata: { userId },
      ...(plan.trialDays > 0 ? { trial_period_days: plan.trialDays } : {}),
    },
  });
  if (!session.url) throw new IllegalStateError('Stripe returned a session without a URL');
  return { url: session.url, sessionId: session.id };
}

async function completeCheckout(deps: BillingDeps, request: { sessionId: string }, meta: MessageMeta) {
  const userId = callerOf(meta);
  const session = await deps.stripe.checkout.sessions.retrieve(request.sessionId).catch(() => undefined);
  // Only the user the session was created for learns anything about it.
  if (!session || (session.client_reference_id ?? session.metadata?.userId) !== userId) {
    throw new NotFoundError('no such checkout session', { sessionId: request.sessionId });
  }
  if (session.status === 'complete') await syncCheckoutSession(deps, session.id, 'landing', meta);
  return viewOf(deps, await loadAccount(deps, userId));
}

async function subscriptionOf(deps: BillingDeps, meta: MessageMeta) {
  const userId = callerOf(meta);
  const account = await loadAccount(deps, userId);
  const sub = account.subscription;
  if (!sub || !LIVE.has(sub.status)) throw new NotFoundError('you have no subscription');
  return { userId, sub };
}

async function updateSubscription(
  deps: BillingDeps,
  meta: MessageMeta,
  params: (sub: {
    subscriptionId: string;
  }) => Promise<Parameters<BillingDeps['stripe']['subscriptions']['update']>[1]>,
) {
  const { userId, sub } = await subscriptionOf(deps, meta);
  const updated = await deps.stripe.subscriptions.update(sub.subscriptionId, await params(sub));
  await applySubscription(deps, updated, 'api', { userId, meta });
  return viewOf(deps, await loadAccount(deps, userId));
}

async function changePlan(
  deps: BillingDeps,
  request: { planId: string; interval: 'month' | 'year' },
  meta: MessageMeta,
) {
  const { price } = priceOf(deps, request.planId, request.interval);
  return updateSubscription(deps, meta, async ({ subscriptionId }) => {
    const current = await deps.stripe.subscriptions.retrieve(subscriptionId);
    const item = current.items.data[0];
    if (!item) throw new IllegalStateError('the subscription has no item');
    return { items: [{ id: item.id, price: price.stripePriceId }], proration_behavior: 'create_prorations' };
  });
}

async function portal(deps: BillingDeps, meta: MessageMeta) {
  const account = await ensureCustomer(deps, callerOf(meta), meta);
  const session = await deps.stripe.billingPortal.sessions.create({
    customer: account.customerId ?? '',
    return_url: deps.settings.BILLING_PORTAL_RETURN_URL,
  });
  return { url: session.url };
}

const requireAdmin = (meta: MessageMeta) => {
  if (!meta.actor.roles?.includes('admin')) throw new ForbiddenError('administrators only');
};

/** One row per subject (CONVENTIONS: transport is a table). */
const handlers = [
  on(listPlansQuery, (deps: BillingDeps) => ({ items: [...deps.plans.plans] })),
  on(startCheckoutCommand, (deps: BillingDeps, request, meta) => startCheckout(deps, request, meta)),
  on(completeCheckoutCommand, (deps: BillingDeps, request, meta) => completeCheckout(deps, request, meta)),
  on(createPortalSessionCommand, (deps: BillingDeps, _request, meta) => portal(deps, meta)),
  on(getSubscriptionQuery, async (deps: BillingDeps, _request, meta) =>
    viewOf(deps, await loadAccount(deps, callerOf(meta))),
  ),
  on(cancelSubscriptionCommand, (deps: BillingDeps, _request, meta) =>
    updateSubscription(deps, meta, async () => ({ cancel_at_period_end: true })),
  ),
  on(resumeSubscriptionCommand, (deps: BillingDeps, _request, meta) =>
    updateSubscription(deps, meta, async () => ({ cancel_at_period_end: false })),
  ),
  on(changePlanCommand, (deps: BillingDeps, request, meta) => changePlan(deps, request, meta)),
  on(listInvoicesQuery, (deps: BillingDeps, request, meta) => listInvoices(deps, callerOf(meta), request)),
  on(adminListSubscriptionsQuery, (deps: BillingDeps, request, meta) => {
    requireAdmin(meta);
    return listAccounts(deps.readModels, request);
  }),
  on(expireGraceCommand, async (deps: BillingDeps, request, meta) => {
    const { events } = await runAccountCommand(
      deps,
      request.userId,
      { type: 'ExpireGrace', data: { graceUntil: request.graceUntil } },
      meta,
    );
    return { expired: events.length > 0 };
  }),
];

/** The table, each handler mapping Stripe's failures (unreachable → 503, bad cursor → 422). */
export const billingHandlers = handlers.map((entry) => ({
  ...entry,
  handle: withStripeErrors(entry.handle),
}));
