import { getSubscriptionQuery, startCheckoutCommand } from '@ledgerline/contracts';
import { type StripeEvent, stripeId, waitUntil } from '@ledgerline/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BillingHarness, consumed } from '../testing/billingHarness.test-helpers.js';

const DEADLINE = 30_000;

describe('Stripe events applied order-insensitively, duplicates as no-ops (fake Stripe API, real NATS/Postgres)', () => {
  let h: BillingHarness;

  beforeAll(async () => {
    h = await BillingHarness.start();
  }, 60_000);
  afterAll(() => h?.close());

  it('survives 5× duplicates, .updated before .created and an old .updated after cancellation', async () => {
    const userId = h.newUser();
    h.forwarding = 'hold';
    const { sessionId } = await h.request(startCheckoutCommand, { planId: 'pro', interval: 'month' }, userId);
    const session = h.stripe.completeCheckout(sessionId);
    const subscriptionId = session.subscription as string;
    h.stripe.state.updateSubscription(subscriptionId, { cancel_at_period_end: 'true' });
    const held = h.held.splice(0);
    const updated = held.find((e) => e.type === 'customer.subscription.updated') as StripeEvent;
    const rest = held.filter((e) => e !== updated);

    await h.publish(updated); // .updated first: billing re-fetches and starts from Stripe's current state
    for (const event of rest) for (let i = 0; i < 5; i++) await h.publish(event); // JetStream dedup window
    for (const event of rest) await h.publishAgain(event); // past the window: the inbox catches these
    await waitUntil(
      async () => (await Promise.all(held.map((e) => consumed(h, e.id)))).every(Boolean),
      DEADLINE,
    );
    await waitUntil(() => h.tiersOf(userId).length === 1, DEADLINE);
    expect(await h.request(getSubscriptionQuery, {}, userId)).toMatchObject({
      status: 'trialing', // pro comes with a 14-day trial
      tier: 'pro',
      cancelAtPeriodEnd: true,
    });

    h.stripe.state.cancelSubscription(subscriptionId);
    const deleted = h.held.splice(0).find((e) => e.type === 'customer.subscription.deleted') as StripeEvent;
    await h.publish(deleted);
    await waitUntil(() => h.tiersOf(userId).length === 2, DEADLINE);

    // The old .updated again (same id: the inbox), and an old snapshot under a new id (re-fetch wins).
    await h.publishAgain(updated);
    const stale = { ...structuredClone(updated), id: stripeId('evt') } as StripeEvent;
    await h.publish(stale);
    await waitUntil(() => consumed(h, stale.id), DEADLINE);

    expect(await h.request(getSubscriptionQuery, {}, userId)).toMatchObject({
      status: 'canceled',
      tier: 'free',
    });
    expect(h.tiersOf(userId)).toEqual(['pro', 'free']);
    expect(await h.eventTypes(userId)).toEqual([
      'CustomerRegistered',
      'SubscriptionStarted',
      'EntitlementsChanged',
      'PaymentSucceeded',
      'SubscriptionChanged',
      'SubscriptionCanceled',
      'EntitlementsChanged',
    ]);
  });
});
