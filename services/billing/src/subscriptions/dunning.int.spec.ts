import { getSubscriptionQuery, startCheckoutCommand } from '@ledgerline/contracts';
import { waitUntil } from '@ledgerline/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BillingHarness } from '../testing/billingHarness.test-helpers.js';
import { loadAccount } from './accounts.js';

const DEADLINE = 30_000;
const DAY = 86_400;

/** An enterprise subscriber (no trial) whose next charge is declined; returns the open invoice's id. */
async function subscribeThenDecline(h: BillingHarness, userId: string): Promise<string> {
  const { sessionId } = await h.request(
    startCheckoutCommand,
    { planId: 'enterprise', interval: 'month' },
    userId,
  );
  h.stripe.completeCheckout(sessionId);
  await waitUntil(() => h.tiersOf(userId).length === 1, DEADLINE);
  const { customerId } = await loadAccount(h.deps, userId);
  h.stripe.setCardDeclines(customerId ?? '');
  h.stripe.advance(31 * DAY + 60);
  const invoices = h.stripe.state
    .all('invoice')
    .filter((i) => i.customer === customerId && i.status === 'open');
  return invoices[0]?.id ?? '';
}

describe('dunning: failed payment → past_due → grace period (fake Stripe API, real NATS/Postgres)', () => {
  let short: BillingHarness;
  let long: BillingHarness;

  beforeAll(async () => {
    [short, long] = await Promise.all([
      BillingHarness.start({ PAST_DUE_GRACE_SECONDS: '2' }),
      BillingHarness.start({ PAST_DUE_GRACE_SECONDS: '3600' }),
    ]);
  }, 90_000);
  afterAll(async () => {
    await short?.close();
    await long?.close();
  });

  it('publishes the failure (dunning), keeps the tier through the grace period, then drops to free', {
    timeout: 90_000,
  }, async () => {
    const userId = short.newUser();
    const invoiceId = await subscribeThenDecline(short, userId);
    expect(invoiceId).not.toBe('');
    await waitUntil(() => short.tiersOf(userId).length === 2, DEADLINE);
    expect(short.tiersOf(userId)).toEqual(['enterprise', 'free']);
    const types = await short.eventTypes(userId);
    expect(types).toEqual(
      expect.arrayContaining(['PaymentFailed', 'GracePeriodStarted', 'GracePeriodEnded']),
    );
    // The tier was kept while past due: access changed to past_due/enterprise before the grace ended.
    const events = await short.deps.store.readStream(`billing-${userId}`);
    const changes = events.filter((e) => e.type === 'EntitlementsChanged').map((e) => e.data);
    expect(changes).toMatchObject([
      { tier: 'enterprise', subscriptionStatus: 'active' },
      { tier: 'enterprise', subscriptionStatus: 'past_due' },
      { tier: 'free', subscriptionStatus: 'past_due' },
    ]);
    const failed = events.find((e) => e.type === 'PaymentFailed')?.data;
    expect(failed).toMatchObject({
      amountDue: 9900,
      currency: 'eur',
      invoiceId,
      portalUrl: expect.stringMatching(/^https:/),
    });
    expect(await short.request(getSubscriptionQuery, {}, userId)).toMatchObject({
      status: 'past_due',
      tier: 'free',
    });
  });

  it('keeps the tier when the payment recovers inside the grace period, and says so', {
    timeout: 90_000,
  }, async () => {
    const userId = long.newUser();
    const invoiceId = await subscribeThenDecline(long, userId);
    // Billing re-fetches the invoice: it must have seen it unpaid before the retry pays it.
    await waitUntil(async () => (await long.eventTypes(userId)).includes('PaymentFailed'), DEADLINE);
    const { customerId } = await loadAccount(long.deps, userId);
    long.stripe.setCardDeclines(customerId ?? '', false);
    long.stripe.payInvoice(invoiceId);
    await waitUntil(async () => (await long.eventTypes(userId)).includes('PaymentRecovered'), DEADLINE);
    await waitUntil(
      async () => (await long.request(getSubscriptionQuery, {}, userId)).status === 'active',
      DEADLINE,
    );
    expect(long.tiersOf(userId)).toEqual(['enterprise']);
    expect(await long.eventTypes(userId)).not.toContain('GracePeriodEnded');
  });
});
