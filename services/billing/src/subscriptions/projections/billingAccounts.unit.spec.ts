import type { RecordedEvent } from '@ledgerline/eventsourcing';
import { describe, expect, it } from 'vitest';
import type { BillingEvent } from '../billingAccount.js';
import { billingAccountsProjection } from './billingAccounts.js';

type DataOf<T extends BillingEvent['type']> = Extract<BillingEvent, { type: T }>['data'];

const userId = '01900000-0000-7000-8000-000000000001';
const T0 = '2026-11-23T10:00:00.000Z';
const T1 = '2026-11-23T11:00:00.000Z';
let position = 0;
const event = <T extends BillingEvent['type']>(
  type: T,
  data: DataOf<T>,
  occurredAt = T0,
): RecordedEvent<T, DataOf<T>> => ({
  id: `e${++position}`,
  type,
  schemaVersion: 1,
  streamId: `billing-${userId}`,
  streamPosition: position,
  globalPosition: position,
  transactionId: 1,
  occurredAt,
  data,
  meta: {},
});

const registered = event('CustomerRegistered', {
  userId,
  customerId: 'cus_1',
  registeredAt: T0,
  email: 'ada@example.com',
  displayName: 'Ada',
  locale: 'en',
});
const started = event(
  'SubscriptionStarted',
  {
    subscriptionId: 'sub_1',
    customerId: 'cus_1',
    status: 'trialing',
    priceId: 'price_pro',
    planId: 'pro',
    interval: 'year',
    currentPeriodEnd: '2027-11-23T10:00:00.000Z',
    cancelAtPeriodEnd: false,
    trialEnd: '2026-12-07T10:00:00.000Z',
    createdAt: T0,
    source: 'webhook',
  },
  T1,
);

describe('billing-accounts projection (rows typed as the Prisma BillingAccount)', () => {
  it('opens a free row with Date timestamps for a registered customer', () => {
    expect(billingAccountsProjection.evolve(null, registered)).toEqual({
      id: userId,
      customerId: 'cus_1',
      subscriptionId: null,
      status: 'none',
      planId: null,
      interval: null,
      tier: 'free',
      entitlements: '{}',
      currentPeriodEnd: null,
      cancelAtPeriodEnd: false,
      trialEnd: null,
      updatedAt: new Date(T0),
    });
  });

  it('takes the subscription snapshot, its timestamps as Dates', () => {
    const row = billingAccountsProjection.evolve(billingAccountsProjection.evolve(null, registered), started);
    expect(row).toMatchObject({
      subscriptionId: 'sub_1',
      status: 'trialing',
      planId: 'pro',
      interval: 'year',
      currentPeriodEnd: new Date('2027-11-23T10:00:00.000Z'),
      trialEnd: new Date('2026-12-07T10:00:00.000Z'),
      updatedAt: new Date(T1),
      tier: 'free',
    });
  });

  it('skips events about an account it has no row for, and streams that are not accounts', () => {
    expect(billingAccountsProjection.evolve(null, started)).toBeNull();
    expect(billingAccountsProjection.documentId({ ...registered, streamId: 'other-1' })).toBeNull();
    expect(billingAccountsProjection.documentId(registered)).toBe(userId);
  });
});
