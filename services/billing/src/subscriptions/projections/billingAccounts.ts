import { defineProjection } from '@ledgerline/eventsourcing';
import type { BillingAccount } from '../../generated/prisma/client.js';
import type { BillingEvent } from '../billingAccount.js';

const HANDLED = [
  'CustomerRegistered',
  'SubscriptionStarted',
  'SubscriptionChanged',
  'ReconciledFromStripe',
  'EntitlementsChanged',
] as const satisfies readonly BillingEvent['type'][];
type Handled = Extract<BillingEvent, { type: (typeof HANDLED)[number] }>;

const dateOrNull = (iso: string | null): Date | null => (iso === null ? null : new Date(iso));

/**
 * The `billing_accounts` table (prisma/schema.prisma): the admin list and the customer → user
 * index. Inline, so a webhook right after checkout finds the user.
 */
export const billingAccountsProjection = defineProjection<Handled, BillingAccount>({
  name: 'billing-accounts',
  table: 'billing_accounts',
  canHandle: HANDLED,
  documentId: (event) =>
    event.streamId.startsWith('billing-') ? event.streamId.slice('billing-'.length) : null,
  evolve: (row, event) => {
    const updatedAt = new Date(event.occurredAt);
    if (event.type === 'CustomerRegistered') {
      return {
        id: event.data.userId,
        customerId: event.data.customerId,
        subscriptionId: null,
        status: 'none',
        planId: null,
        interval: null,
        tier: 'free',
        entitlements: '{}',
        currentPeriodEnd: null,
        cancelAtPeriodEnd: false,
        trialEnd: null,
        updatedAt,
      };
    }
    if (row === null) return null;
    if (event.type === 'EntitlementsChanged') {
      return {
        ...row,
        tier: event.data.tier,
        entitlements: JSON.stringify(event.data.entitlements),
        updatedAt,
      };
    }
    const s = event.data;
    return {
      ...row,
      subscriptionId: s.subscriptionId,
      status: s.status,
      planId: s.planId,
      interval: s.interval,
      currentPeriodEnd: dateOrNull(s.currentPeriodEnd),
      cancelAtPeriodEnd: s.cancelAtPeriodEnd,
      trialEnd: dateOrNull(s.trialEnd),
      updatedAt,
    };
  },
});
