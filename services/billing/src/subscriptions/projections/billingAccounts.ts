import { defineProjection } from '@ledgerline/eventsourcing';
import type { BillingEvent } from '../billingAccount.js';

/** A `billing_accounts` row as JSON (columns of prisma/schema.prisma). */
export interface BillingAccountRow {
  [column: string]: unknown;
  id: string;
  customerId: string;
  subscriptionId: string | null;
  status: string;
  planId: string | null;
  interval: string | null;
  tier: string;
  entitlements: string;
  currentPeriodEnd: string | Date | null;
  cancelAtPeriodEnd: boolean;
  trialEnd: string | Date | null;
  updatedAt: string | Date;
}

const HANDLED = [
  'CustomerRegistered',
  'SubscriptionStarted',
  'SubscriptionChanged',
  'ReconciledFromStripe',
  'EntitlementsChanged',
] as const satisfies readonly BillingEvent['type'][];
type Handled = Extract<BillingEvent, { type: (typeof HANDLED)[number] }>;

/** The admin list and the customer → user index; inline, so a webhook right after checkout finds the user. */
export const billingAccountsProjection = defineProjection<Handled, BillingAccountRow>({
  name: 'billing-accounts',
  table: 'billing_accounts',
  canHandle: HANDLED,
  documentId: (event) =>
    event.streamId.startsWith('billing-') ? event.streamId.slice('billing-'.length) : null,
  evolve: (row, event) => {
    const updatedAt = event.occurredAt;
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
      currentPeriodEnd: s.currentPeriodEnd,
      cancelAtPeriodEnd: s.cancelAtPeriodEnd,
      trialEnd: s.trialEnd,
      updatedAt,
    };
  },
});
