import { ConflictError, IllegalStateError } from '@ledgerline/contracts';
import type { Decider } from '@ledgerline/eventsourcing';
import type { PlanCatalog } from '../plans/planCatalog.js';
import { type Access, accessFor, sameAccess } from './access.js';
import {
  type BillingAccount,
  type BillingEvent,
  evolve,
  initialState,
  type Recipient,
  type SubscriptionSnapshot,
  type SyncSource,
} from './billingAccount.js';

/** An invoice as Stripe has it now (re-fetched). */
export interface InvoiceSnapshot {
  invoiceId: string;
  subscriptionId: string | null;
  status: string | null;
  attemptCount: number;
  amountDue: number;
  amountPaid: number;
  currency: string;
}

export type BillingCommand =
  | { type: 'RegisterCustomer'; data: { userId: string; customerId: string } & Recipient }
  | { type: 'SyncSubscription'; data: { snapshot: SubscriptionSnapshot; source: SyncSource } }
  | { type: 'RecordInvoice'; data: { invoice: InvoiceSnapshot; portalUrl: string | null } }
  | { type: 'RemindTrialEnding'; data: { snapshot: SubscriptionSnapshot } }
  | { type: 'ExpireGrace'; data: { graceUntil: string } };

export interface BillingContext {
  now: Date;
  plans: PlanCatalog;
  graceSeconds: number;
}

const ENDED = new Set(['canceled', 'incomplete_expired']);
const isLive = (s: SubscriptionSnapshot) => !ENDED.has(s.status);
const COMPARED = [
  'status',
  'priceId',
  'planId',
  'interval',
  'currentPeriodEnd',
  'cancelAtPeriodEnd',
  'trialEnd',
] as const satisfies readonly (keyof SubscriptionSnapshot)[];

/** Fields that differ between the state billing holds and Stripe's. */
export const drift = (held: SubscriptionSnapshot, stripe: SubscriptionSnapshot): string[] =>
  COMPARED.filter((key) => held[key] !== stripe[key]);

/**
 * Which subscription a customer's account follows: the one it holds, or a newer live one. An old
 * subscription's state (replayed, or re-fetched after a new one started) never replaces it.
 */
const follows = (held: SubscriptionSnapshot | null, incoming: SubscriptionSnapshot): boolean => {
  if (!held || held.subscriptionId === incoming.subscriptionId) return true;
  if (!isLive(incoming)) return false;
  return !isLive(held) || incoming.createdAt > held.createdAt;
};

const registerCustomer = (
  command: Extract<BillingCommand, { type: 'RegisterCustomer' }>,
  state: BillingAccount,
  { now }: BillingContext,
): BillingEvent[] => {
  if (state.customerId === command.data.customerId) return [];
  if (state.customerId)
    throw new ConflictError('this user already has a Stripe customer', { customerId: state.customerId });
  return [{ type: 'CustomerRegistered', data: { ...command.data, registeredAt: now.toISOString() } }];
};

/** The state Stripe has now → the events that bring billing there (none when nothing changed). */
const syncSubscription = (
  command: Extract<BillingCommand, { type: 'SyncSubscription' }>,
  state: BillingAccount,
  ctx: BillingContext,
): BillingEvent[] => {
  const { snapshot, source } = command.data;
  const held = state.subscription;
  if (!follows(held, snapshot)) return [];
  const same = held?.subscriptionId === snapshot.subscriptionId;
  const changed = same && held ? drift(held, snapshot) : ['subscription'];
  if (changed.length === 0) return [];
  const events: BillingEvent[] = [];
  if (source === 'reconcile')
    events.push({ type: 'ReconciledFromStripe', data: { ...snapshot, drift: changed } });
  else if (same) events.push({ type: 'SubscriptionChanged', data: { ...snapshot, source, changed } });
  else events.push({ type: 'SubscriptionStarted', data: { ...snapshot, source } });
  const wasEnded = same && held ? !isLive(held) : false;
  if (!isLive(snapshot) && !wasEnded) {
    events.push({
      type: 'SubscriptionCanceled',
      data: {
        subscriptionId: snapshot.subscriptionId,
        status: snapshot.status,
        canceledAt: ctx.now.toISOString(),
      },
    });
  }
  const userId = state.userId;
  if (userId && snapshot.status === 'past_due' && !(same && held?.status === 'past_due' && state.grace)) {
    const graceUntil = new Date(ctx.now.getTime() + ctx.graceSeconds * 1000).toISOString();
    events.push({
      type: 'GracePeriodStarted',
      data: { userId, subscriptionId: snapshot.subscriptionId, graceUntil },
    });
  }
  const becameCancelling = snapshot.cancelAtPeriodEnd && !(same && held?.cancelAtPeriodEnd);
  if (source === 'deactivation' && becameCancelling && userId && state.recipient) {
    events.push({
      type: 'SubscriptionCancelScheduled',
      data: {
        userId,
        ...state.recipient,
        planId: snapshot.planId,
        endsAt: snapshot.currentPeriodEnd,
        reason: 'account_deactivated',
      },
    });
  }
  return withEntitlements(state, events, ctx);
};

/** Appends EntitlementsChanged when the events change what the user may use. */
const withEntitlements = (
  state: BillingAccount,
  events: BillingEvent[],
  ctx: BillingContext,
): BillingEvent[] => {
  const next = events.reduce(evolve, state);
  if (!next.userId) return events;
  const access: Access = next.subscription
    ? accessFor(
        { status: next.subscription.status, planId: next.subscription.planId, grace: next.grace },
        ctx.plans,
        ctx.now,
      )
    : { ...ctx.plans.free, subscriptionStatus: 'none', planId: null };
  if (sameAccess(access, next.access)) return events;
  return [
    ...events,
    {
      type: 'EntitlementsChanged',
      data: { userId: next.userId, ...access, changedAt: ctx.now.toISOString() },
    },
  ];
};

const recordInvoice = (
  command: Extract<BillingCommand, { type: 'RecordInvoice' }>,
  state: BillingAccount,
  ctx: BillingContext,
): BillingEvent[] => {
  const { invoice, portalUrl } = command.data;
  const mark = state.invoices[invoice.invoiceId] ?? { attempts: 0, failed: false, paid: false };
  const { userId, recipient } = state;
  if (!userId || !recipient || mark.paid) return [];
  const at = ctx.now.toISOString();
  if (invoice.status === 'paid') {
    const paid: BillingEvent = {
      type: 'PaymentSucceeded',
      data: {
        invoiceId: invoice.invoiceId,
        amountPaid: invoice.amountPaid,
        currency: invoice.currency,
        paidAt: at,
      },
    };
    if (!mark.failed) return [paid];
    const recovered: BillingEvent = {
      type: 'PaymentRecovered',
      data: {
        userId,
        ...recipient,
        invoiceId: invoice.invoiceId,
        amountPaid: invoice.amountPaid,
        currency: invoice.currency,
        paidAt: at,
      },
    };
    return [paid, recovered];
  }
  if (invoice.status !== 'open' || invoice.attemptCount <= mark.attempts) return [];
  return [
    {
      type: 'PaymentFailed',
      data: {
        userId,
        ...recipient,
        invoiceId: invoice.invoiceId,
        amountDue: invoice.amountDue,
        currency: invoice.currency,
        attemptCount: invoice.attemptCount,
        portalUrl,
        graceUntil: state.grace?.until ?? null,
        failedAt: at,
      },
    },
  ];
};

const remindTrialEnding = (
  command: Extract<BillingCommand, { type: 'RemindTrialEnding' }>,
  state: BillingAccount,
  ctx: BillingContext,
): BillingEvent[] => {
  const { snapshot } = command.data;
  const { userId, recipient } = state;
  if (!userId || !recipient || snapshot.status !== 'trialing' || !snapshot.trialEnd) return [];
  if (state.trialReminders.includes(snapshot.trialEnd)) return [];
  const plan = snapshot.planId ? ctx.plans.byId(snapshot.planId) : undefined;
  return [
    {
      type: 'TrialEnding',
      data: {
        userId,
        ...recipient,
        planId: snapshot.planId ?? 'unknown',
        planName: plan?.name ?? snapshot.planId ?? 'your plan',
        trialEnd: snapshot.trialEnd,
      },
    },
  ];
};

/** The grace period's scheduled message: drops access once, if the user is still past due with this grace. */
const expireGrace = (
  command: Extract<BillingCommand, { type: 'ExpireGrace' }>,
  state: BillingAccount,
  ctx: BillingContext,
): BillingEvent[] => {
  const { grace, subscription } = state;
  if (
    !grace ||
    grace.expired ||
    grace.until !== command.data.graceUntil ||
    subscription?.status !== 'past_due'
  )
    return [];
  if (ctx.now.getTime() < Date.parse(grace.until))
    throw new IllegalStateError('the grace period has not ended yet');
  const ended: BillingEvent = {
    type: 'GracePeriodEnded',
    data: { subscriptionId: subscription.subscriptionId, endedAt: ctx.now.toISOString() },
  };
  return withEntitlements(state, [ended], ctx);
};

export const decide = (
  command: BillingCommand,
  state: BillingAccount,
  ctx: BillingContext,
): BillingEvent[] => {
  switch (command.type) {
    case 'RegisterCustomer':
      return registerCustomer(command, state, ctx);
    case 'SyncSubscription':
      return syncSubscription(command, state, ctx);
    case 'RecordInvoice':
      return recordInvoice(command, state, ctx);
    case 'RemindTrialEnding':
      return remindTrialEnding(command, state, ctx);
    case 'ExpireGrace':
      return expireGrace(command, state, ctx);
    default: {
      const unknown: never = command;
      throw new Error(`unknown billing command ${JSON.stringify(unknown)}`);
    }
  }
};

/** The decider handleCommand runs for a billing account stream. */
export const billingDecider = { decide, evolve, initialState } satisfies Decider<
  BillingCommand,
  BillingEvent,
  BillingAccount,
  BillingContext
>;
