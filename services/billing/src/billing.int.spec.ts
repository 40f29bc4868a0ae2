import {
  adminListSubscriptionsQuery,
  completeCheckoutCommand,
  getSubscriptionQuery,
  startCheckoutCommand,
} from '@ledgerline/contracts';
import { natsRequest } from '@ledgerline/platform';
import { waitUntil } from '@ledgerline/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BillingHarness } from './testing/billingHarness.test-helpers.js';

const DEADLINE = 30_000;

describe('billing service: checkout → Stripe events → subscription → tier (fake Stripe API, real NATS/Postgres)', () => {
  let h: BillingHarness;

  beforeAll(async () => {
    h = await BillingHarness.start({ PAST_DUE_GRACE_SECONDS: '3' });
  }, 60_000);
  afterAll(() => h?.close());

  const subscribe = async (userId: string, planId = 'enterprise') => {
    const { sessionId, url } = await h.request(startCheckoutCommand, { planId, interval: 'month' }, userId);
    expect(url).toContain(sessionId);
    h.stripe.completeCheckout(sessionId);
    return sessionId;
  };

  it('starts a subscription from the webhook and changes the tier once', async () => {
    const userId = h.newUser();
    await subscribe(userId);
    await waitUntil(() => h.tiersOf(userId).length === 1, DEADLINE);
    const view = await h.request(getSubscriptionQuery, {}, userId);
    expect(view).toMatchObject({
      status: 'active',
      planId: 'enterprise',
      tier: 'enterprise',
      interval: 'month',
    });
    expect(h.tiersOf(userId)).toEqual(['enterprise']);
    expect(h.tierChanges.find((c) => c.userId === userId)?.idempotencyKey).toBeTruthy();
    const types = await h.eventTypes(userId);
    expect(types.filter((t) => t === 'SubscriptionStarted')).toHaveLength(1);
  });

  it('answers a user without a subscription with status none and the free tier', async () => {
    const view = await h.request(getSubscriptionQuery, {}, h.newUser());
    expect(view).toMatchObject({ status: 'none', tier: 'free', planId: null, cancelAtPeriodEnd: false });
    expect(view.entitlements).toMatchObject({ seats: 1 });
  });

  it('cancels at period end and tells the user when identity deactivates the account', async () => {
    const userId = h.newUser();
    await subscribe(userId);
    await waitUntil(() => h.tiersOf(userId).length === 1, DEADLINE);
    await h.publishIdentityEvent('UserDeactivated', {
      userId,
      email: 'gone@example.com',
      deactivatedAt: new Date().toISOString(),
      by: null,
    });
    await waitUntil(
      async () => (await h.eventTypes(userId)).includes('SubscriptionCancelScheduled'),
      DEADLINE,
    );
    expect(await h.request(getSubscriptionQuery, {}, userId)).toMatchObject({
      status: 'active',
      cancelAtPeriodEnd: true,
      tier: 'enterprise',
    });
  });

  it('refuses a second checkout with 409 and the landing call of another user with 404', async () => {
    const userId = h.newUser();
    const sessionId = await subscribe(userId);
    await waitUntil(
      async () => (await h.request(getSubscriptionQuery, {}, userId)).status === 'active',
      DEADLINE,
    );
    await expect(
      h.request(startCheckoutCommand, { planId: 'pro', interval: 'year' }, userId),
    ).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    await expect(h.request(completeCheckoutCommand, { sessionId }, h.newUser())).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('creates one Stripe customer for a user whose first checkouts race', async () => {
    const userId = h.newUser();
    const sessions = await Promise.all(
      [1, 2, 3].map(() => h.request(startCheckoutCommand, { planId: 'pro', interval: 'month' }, userId)),
    );
    expect(new Set(sessions.map((s) => s.sessionId)).size).toBe(3);
    const customers = h.stripe.state
      .all('customer')
      .filter((c) => (c.metadata as { userId?: string }).userId === userId);
    expect(customers).toHaveLength(1);
    expect((await h.eventTypes(userId)).filter((t) => t === 'CustomerRegistered')).toHaveLength(1);
  });

  it('lists subscriptions for admins only, filtered by status and plan', async () => {
    const userId = h.newUser();
    await subscribe(userId, 'enterprise');
    await waitUntil(
      async () => (await h.request(getSubscriptionQuery, {}, userId)).status === 'active',
      DEADLINE,
    );
    const admin = h.metaOf(h.newUser(), ['user', 'admin']);
    const page = await natsRequest(
      h.client,
      adminListSubscriptionsQuery,
      { status: 'active', planId: 'enterprise', limit: 100 },
      { meta: admin },
    );
    expect(page.items.find((i) => i.userId === userId)).toMatchObject({
      status: 'active',
      tier: 'enterprise',
      planId: 'enterprise',
    });
    expect(page.items.every((i) => i.status === 'active' && i.planId === 'enterprise')).toBe(true);
    await expect(h.request(adminListSubscriptionsQuery, { limit: 10 }, userId)).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
  });
});
