import type {
  BillingInterval,
  EventDataOf,
  entitlementsChangedEvent,
  gracePeriodStartedEvent,
  paymentFailedEvent,
  paymentRecoveredEvent,
  SubscriptionStatus,
  subscriptionCancelScheduledEvent,
  trialEndingEvent,
} from '@ledgerline/contracts';
import type { Access } from './access.js';

/** Stripe's current state of one subscription, as billing keeps it (re-fetched, never taken from a payload). */
export interface SubscriptionSnapshot {
  subscriptionId: string;
  customerId: string;
  status: Exclude<SubscriptionStatus, 'none'>;
  priceId: string | null;
  planId: string | null;
  interval: BillingInterval | null;
  currentPeriodEnd: string | null;
  cancelAtPeriodEnd: boolean;
  trialEnd: string | null;
  createdAt: string;
}

export type SyncSource = 'webhook' | 'landing' | 'api' | 'deactivation' | 'reconcile';

export interface Recipient {
  email: string;
  displayName: string;
  locale: string;
}

/** The events of a user's billing account (stream `billing-<userId>`): one Stripe customer, its subscription. */
export type BillingEvent =
  | {
      type: 'CustomerRegistered';
      data: { userId: string; customerId: string; registeredAt: string } & Recipient;
    }
  | { type: 'SubscriptionStarted'; data: SubscriptionSnapshot & { source: SyncSource } }
  | { type: 'SubscriptionChanged'; data: SubscriptionSnapshot & { source: SyncSource; changed: string[] } }
  | { type: 'ReconciledFromStripe'; data: SubscriptionSnapshot & { drift: string[] } }
  | { type: 'SubscriptionCanceled'; data: { subscriptionId: string; status: string; canceledAt: string } }
  | { type: 'GracePeriodStarted'; data: EventDataOf<typeof gracePeriodStartedEvent> }
  | { type: 'GracePeriodEnded'; data: { subscriptionId: string; endedAt: string } }
  | { type: 'PaymentFailed'; data: EventDataOf<typeof paymentFailedEvent> }
  | {
      type: 'PaymentSucceeded';
      data: { invoiceId: string; amountPaid: number; currency: string; paidAt: string };
    }
  | { type: 'PaymentRecovered'; data: EventDataOf<typeof paymentRecoveredEvent> }
  | { type: 'TrialEnding'; data: EventDataOf<typeof trialEndingEvent> }
  | { type: 'SubscriptionCancelScheduled'; data: EventDataOf<typeof subscriptionCancelScheduledEvent> }
  | { type: 'EntitlementsChanged'; data: EventDataOf<typeof entitlementsChangedEvent> };

export interface InvoiceMark {
  attempts: number;
  failed: boolean;
  paid: boolean;
}

export interface BillingAccount {
  userId: string | null;
  customerId: string | null;
  recipient: Recipient | null;
  subscription: SubscriptionSnapshot | null;
  grace: { until: string; expired: boolean } | null;
  /** The access last published (EntitlementsChanged); free and `none` before any. */
  access: Access;
  invoices: Record<string, InvoiceMark>;
  trialReminders: string[];
}

export const initialState = (): BillingAccount => ({
  userId: null,
  customerId: null,
  recipient: null,
  subscription: null,
  grace: null,
  access: { tier: 'free', entitlements: {}, subscriptionStatus: 'none', planId: null },
  invoices: {},
  trialReminders: [],
});

export const billingStreamId = (userId: string): string => `billing-${userId}`;

const snapshotOf = (data: SubscriptionSnapshot): SubscriptionSnapshot => ({
  subscriptionId: data.subscriptionId,
  customerId: data.customerId,
  status: data.status,
  priceId: data.priceId,
  planId: data.planId,
  interval: data.interval,
  currentPeriodEnd: data.currentPeriodEnd,
  cancelAtPeriodEnd: data.cancelAtPeriodEnd,
  trialEnd: data.trialEnd,
  createdAt: data.createdAt,
});

const applySnapshot = (state: BillingAccount, snapshot: SubscriptionSnapshot): BillingAccount => ({
  ...state,
  subscription: snapshotOf(snapshot),
  // A grace period belongs to one stretch of past_due; leaving it (paid, canceled) ends it.
  grace: snapshot.status === 'past_due' ? state.grace : null,
});

const markInvoice = (state: BillingAccount, id: string, change: Partial<InvoiceMark>): BillingAccount => {
  const current = state.invoices[id] ?? { attempts: 0, failed: false, paid: false };
  return { ...state, invoices: { ...state.invoices, [id]: { ...current, ...change } } };
};

export const evolve = (state: BillingAccount, event: BillingEvent): BillingAccount => {
  switch (event.type) {
    case 'CustomerRegistered': {
      const { userId, customerId, email, displayName, locale } = event.data;
      return { ...state, userId, customerId, recipient: { email, displayName, locale } };
    }
    case 'SubscriptionStarted':
    case 'SubscriptionChanged':
    case 'ReconciledFromStripe':
      return applySnapshot(state, event.data);
    case 'SubscriptionCanceled':
      return state;
    case 'GracePeriodStarted':
      return { ...state, grace: { until: event.data.graceUntil, expired: false } };
    case 'GracePeriodEnded':
      return state.grace ? { ...state, grace: { ...state.grace, expired: true } } : state;
    case 'PaymentFailed':
      return markInvoice(state, event.data.invoiceId, { attempts: event.data.attemptCount, failed: true });
    case 'PaymentSucceeded':
      return markInvoice(state, event.data.invoiceId, { paid: true });
    case 'PaymentRecovered':
      return state;
    case 'TrialEnding':
      return { ...state, trialReminders: [...state.trialReminders, event.data.trialEnd] };
    case 'SubscriptionCancelScheduled':
      return state;
    case 'EntitlementsChanged': {
      const { tier, entitlements, subscriptionStatus, planId } = event.data;
      return { ...state, access: { tier, entitlements, subscriptionStatus, planId } };
    }
    default: {
      const unknown: never = event;
      throw new Error(`unknown billing event ${JSON.stringify(unknown)}`);
    }
  }
};
