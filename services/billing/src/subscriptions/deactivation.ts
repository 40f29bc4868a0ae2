import { type EventDataOf, userDeactivatedEvent } from '@ledgerline/contracts';
import type { ConsumerContext } from '@ledgerline/eventsourcing';
import type { BillingDeps } from '../billingDeps.js';
import { billingMeta, loadAccount } from './accounts.js';
import { applySubscription } from './sync.js';

const ENDING = new Set(['canceled', 'incomplete_expired']);

/**
 * identity's UserDeactivated → the user's subscription is canceled at the period end (Stripe is
 * asked with an Idempotency-Key from the event, so a redelivery asks once) and the user is told
 * (SubscriptionCancelScheduled, e-mailed by the notifier).
 */
export async function cancelOnDeactivation(deps: BillingDeps, ctx: ConsumerContext): Promise<void> {
  if (ctx.event.type !== userDeactivatedEvent.type) return;
  const { userId } = ctx.event.data as EventDataOf<typeof userDeactivatedEvent>;
  const account = await loadAccount(deps, userId);
  const sub = account.subscription;
  if (!sub || ENDING.has(sub.status) || sub.cancelAtPeriodEnd) return;
  const updated = await deps.stripe.subscriptions.update(
    sub.subscriptionId,
    { cancel_at_period_end: true },
    { idempotencyKey: `ledgerline-deactivate-${ctx.event.id}` },
  );
  await applySubscription(deps, updated, 'deactivation', {
    userId,
    meta: { ...billingMeta(), causationId: ctx.event.id },
  });
}
