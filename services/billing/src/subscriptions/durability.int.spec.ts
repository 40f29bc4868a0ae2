import { completeCheckoutCommand, getSubscriptionQuery, startCheckoutCommand } from '@ledgerline/contracts';
import { waitUntil } from '@ledgerline/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatReport, reconcile } from '../reconciliation/reconcile.js';
import { BillingHarness } from '../testing/billingHarness.test-helpers.js';

const DEADLINE = 45_000;

describe('billing durability: concurrent landing + webhook, restart mid-flow, reconciliation (fake Stripe API, real NATS/Postgres)', () => {
  let h: BillingHarness;

  beforeAll(async () => {
    h = await BillingHarness.start();
  }, 60_000);
  afterAll(() => h?.close());

  const checkout = async (userId: string) => {
    const { sessionId } = await h.request(
      startCheckoutCommand,
      { planId: 'enterprise', interval: 'year' },
      userId,
    );
    h.stripe.completeCheckout(sessionId);
    return sessionId;
  };

  it('starts one subscription when the landing call and the webhook arrive at the same instant', async () => {
    const userId = h.newUser();
    h.forwarding = 'hold';
    const sessionId = await checkout(userId);
    const held = h.held.splice(0);
    h.forwarding = 'deliver';
    const [view] = await Promise.all([
      h.request(completeCheckoutCommand, { sessionId }, userId),
      ...held.map((event) => h.publish(event)),
    ]);
    expect(view).toMatchObject({ status: 'active', tier: 'enterprise' });
    await waitUntil(() => h.tiersOf(userId).length === 1, DEADLINE);
    const types = await h.eventTypes(userId);
    expect(types.filter((t) => t === 'SubscriptionStarted')).toHaveLength(1);
    expect(types.filter((t) => t === 'EntitlementsChanged')).toHaveLength(1);
  });

  it('changes the tier once when billing stops after recording the change and before identity answered', {
    timeout: 90_000,
  }, async () => {
    const userId = h.newUser();
    h.identityUp = false;
    await checkout(userId);
    await waitUntil(async () => (await h.eventTypes(userId)).includes('EntitlementsChanged'), DEADLINE);
    await h.service.close(); // the tier command is queued in the saga's outbox, unanswered
    h.identityUp = true;
    await h.startBilling();
    await waitUntil(() => h.tiersOf(userId).length === 1, DEADLINE);
    expect(h.tiersOf(userId)).toEqual(['enterprise']);
  });

  it('repairs a subscription whose webhooks were never delivered', async () => {
    const userId = h.newUser();
    h.forwarding = 'drop';
    await checkout(userId);
    h.forwarding = 'deliver';
    expect(await h.request(getSubscriptionQuery, {}, userId)).toMatchObject({ status: 'none', tier: 'free' });
    const report = await reconcile(h.deps);
    const mine = report.corrections.filter((c) => c.userId === userId);
    expect(mine).toHaveLength(1);
    expect(mine[0]?.drift).toEqual(['subscription']);
    expect(formatReport(report).at(-1)).toMatch(/^\d+ corrected of \d+ subscriptions/);
    expect(await h.request(getSubscriptionQuery, {}, userId)).toMatchObject({
      status: 'active',
      tier: 'enterprise',
    });
    await waitUntil(() => h.tiersOf(userId).length === 1, DEADLINE);
    expect(await h.eventTypes(userId)).toContain('ReconciledFromStripe');
    const again = await reconcile(h.deps);
    expect(again.corrections.filter((c) => c.userId === userId)).toEqual([]);
  });
});
