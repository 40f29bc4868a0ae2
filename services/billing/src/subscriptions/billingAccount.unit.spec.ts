import { describe, expect, it } from 'vitest';
import { planCatalog } from '../plans/planCatalog.js';
import { STATUS_ACCESS } from './access.js';
import type { BillingEvent, SubscriptionSnapshot } from './billingAccount.js';
import { type BillingCommand, type BillingContext, billingDecider } from './decide.js';

const userId = '0195f1a2-0000-7000-8000-000000000001';
const plans = planCatalog([
  { planId: 'free', name: 'Free', tier: 'free', prices: [], trialDays: 0, entitlements: { seats: 1 } },
  {
    planId: 'pro',
    name: 'Pro',
    tier: 'pro',
    prices: [
      { interval: 'month', stripePriceId: 'price_pro_m', amount: 1500, currency: 'eur' },
      { interval: 'year', stripePriceId: 'price_pro_y', amount: 15000, currency: 'eur' },
    ],
    trialDays: 14,
    entitlements: { seats: 5 },
  },
]);
const recipient = { email: 'ada@example.com', displayName: 'Ada', locale: 'en' };
const registered: BillingEvent = {
  type: 'CustomerRegistered',
  data: { userId, customerId: 'cus_1', ...recipient, registeredAt: '2026-01-01T00:00:00.000Z' },
};
const snap = (over: Partial<SubscriptionSnapshot> = {}): SubscriptionSnapshot => ({
  subscriptionId: 'sub_1',
  customerId: 'cus_1',
  status: 'active',
  priceId: 'price_pro_m',
  planId: 'pro',
  interval: 'month',
  currentPeriodEnd: '2026-02-01T00:00:00.000Z',
  cancelAtPeriodEnd: false,
  trialEnd: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  ...over,
});

const run = (
  given: BillingEvent[],
  command: BillingCommand,
  now = new Date('2026-01-02T00:00:00Z'),
  graceSeconds = 604_800,
) => {
  const ctx: BillingContext = { now, plans, graceSeconds };
  const state = given.reduce(billingDecider.evolve, billingDecider.initialState());
  return billingDecider.decide(command, state, ctx);
};
const sync = (
  snapshot: SubscriptionSnapshot,
  source: 'webhook' | 'reconcile' = 'webhook',
): BillingCommand => ({
  type: 'SyncSubscription',
  data: { snapshot, source },
});
const types = (events: BillingEvent[]) => events.map((e) => e.type);

describe('status → access table', () => {
  it('grants trialing and active, keeps past_due for the grace period, denies the rest', () => {
    expect(STATUS_ACCESS).toEqual({
      trialing: 'grant',
      active: 'grant',
      past_due: 'grace',
      incomplete: 'deny',
      incomplete_expired: 'deny',
      canceled: 'deny',
      unpaid: 'deny',
      paused: 'deny',
      none: 'deny',
    });
  });
});

describe('billing account decider', () => {
  it('starts a subscription and grants the plan’s tier once', () => {
    const events = run([registered], sync(snap()));
    expect(types(events)).toEqual(['SubscriptionStarted', 'EntitlementsChanged']);
    expect(events[1]?.data).toMatchObject({
      userId,
      tier: 'pro',
      entitlements: { seats: 5 },
      subscriptionStatus: 'active',
    });
    expect(run([registered, ...events], sync(snap()))).toEqual([]);
  });

  it('never grants access to an incomplete subscription', () => {
    const events = run([registered], sync(snap({ status: 'incomplete' })));
    expect(types(events)).toEqual(['SubscriptionStarted', 'EntitlementsChanged']);
    expect(events[1]?.data).toMatchObject({ tier: 'free', subscriptionStatus: 'incomplete' });
  });

  it('ignores an old subscription’s state once a newer one is followed', () => {
    const started = run([registered], sync(snap()));
    const old = snap({ subscriptionId: 'sub_0', status: 'canceled', createdAt: '2025-06-01T00:00:00.000Z' });
    expect(run([registered, ...started], sync(old))).toEqual([]);
  });

  it('does not move a canceled subscription back when an old update is replayed', () => {
    const started = run([registered], sync(snap()));
    const canceled = run([registered, ...started], sync(snap({ status: 'canceled' })));
    expect(types(canceled)).toEqual(['SubscriptionChanged', 'SubscriptionCanceled', 'EntitlementsChanged']);
    // Re-fetching after a replayed `.updated` returns the current (canceled) state: nothing to do.
    expect(run([registered, ...started, ...canceled], sync(snap({ status: 'canceled' })))).toEqual([]);
  });

  it('keeps the tier through the grace period of a failed payment, then drops to free', () => {
    const started = run([registered], sync(snap()));
    const pastDue = run([registered, ...started], sync(snap({ status: 'past_due' })));
    expect(types(pastDue)).toEqual(['SubscriptionChanged', 'GracePeriodStarted', 'EntitlementsChanged']);
    expect(pastDue[2]?.data).toMatchObject({ tier: 'pro', subscriptionStatus: 'past_due' });
    const given = [registered, ...started, ...pastDue];
    const graceUntil = (pastDue[1]?.data as { graceUntil: string } | undefined)?.graceUntil ?? '';
    expect(graceUntil).toBe('2026-01-09T00:00:00.000Z');
    const expired = run(given, { type: 'ExpireGrace', data: { graceUntil } }, new Date(graceUntil));
    expect(types(expired)).toEqual(['GracePeriodEnded', 'EntitlementsChanged']);
    expect(expired[1]?.data).toMatchObject({ tier: 'free', subscriptionStatus: 'past_due' });
    expect(
      run([...given, ...expired], { type: 'ExpireGrace', data: { graceUntil } }, new Date(graceUntil)),
    ).toEqual([]);
  });

  it('keeps the tier when the payment recovers inside the grace period', () => {
    const started = run([registered], sync(snap()));
    const pastDue = run([registered, ...started], sync(snap({ status: 'past_due' })));
    const graceUntil = (pastDue[1]?.data as { graceUntil: string } | undefined)?.graceUntil ?? '';
    const recovered = run([registered, ...started, ...pastDue], sync(snap({ status: 'active' })));
    expect(types(recovered)).toEqual(['SubscriptionChanged', 'EntitlementsChanged']);
    expect(recovered[1]?.data).toMatchObject({ tier: 'pro', subscriptionStatus: 'active' });
    const given = [registered, ...started, ...pastDue, ...recovered];
    expect(run(given, { type: 'ExpireGrace', data: { graceUntil } }, new Date(graceUntil))).toEqual([]);
  });

  it('drops to free at once with a zero grace period', () => {
    const started = run([registered], sync(snap()));
    const pastDue = run([registered, ...started], sync(snap({ status: 'past_due' })), undefined, 0);
    expect(pastDue.at(-1)?.data).toMatchObject({ tier: 'free' });
  });

  it('records a payment failure once per attempt and a recovery after it', () => {
    const started = run([registered], sync(snap()));
    const invoice = {
      invoiceId: 'in_1',
      subscriptionId: 'sub_1',
      attemptCount: 1,
      amountDue: 1500,
      amountPaid: 0,
      currency: 'eur',
    };
    const failed = run([registered, ...started], {
      type: 'RecordInvoice',
      data: { invoice: { ...invoice, status: 'open' }, portalUrl: 'https://portal' },
    });
    expect(types(failed)).toEqual(['PaymentFailed']);
    expect(failed[0]?.data).toMatchObject({
      email: 'ada@example.com',
      amountDue: 1500,
      portalUrl: 'https://portal',
    });
    const given = [registered, ...started, ...failed];
    expect(
      run(given, {
        type: 'RecordInvoice',
        data: { invoice: { ...invoice, status: 'open' }, portalUrl: null },
      }),
    ).toEqual([]);
    const paid = run(given, {
      type: 'RecordInvoice',
      data: { invoice: { ...invoice, status: 'paid', amountPaid: 1500 }, portalUrl: null },
    });
    expect(types(paid)).toEqual(['PaymentSucceeded', 'PaymentRecovered']);
    expect(
      run([...given, ...paid], {
        type: 'RecordInvoice',
        data: { invoice: { ...invoice, status: 'paid' }, portalUrl: null },
      }),
    ).toEqual([]);
  });

  it('reconciles drift as ReconciledFromStripe', () => {
    const started = run([registered], sync(snap()));
    const events = run([registered, ...started], sync(snap({ cancelAtPeriodEnd: true }), 'reconcile'));
    expect(events).toEqual([
      {
        type: 'ReconciledFromStripe',
        data: { ...snap({ cancelAtPeriodEnd: true }), drift: ['cancelAtPeriodEnd'] },
      },
    ]);
  });

  it('reminds once before a trial ends', () => {
    const trial = snap({ status: 'trialing', trialEnd: '2026-01-15T00:00:00.000Z' });
    const started = run([registered], sync(trial));
    const reminded = run([registered, ...started], { type: 'RemindTrialEnding', data: { snapshot: trial } });
    expect(types(reminded)).toEqual(['TrialEnding']);
    expect(
      run([registered, ...started, ...reminded], { type: 'RemindTrialEnding', data: { snapshot: trial } }),
    ).toEqual([]);
  });
});
