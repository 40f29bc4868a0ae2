import { z } from 'zod';
import { defineEvent } from '../contract.js';
import { displayNameSchema, emailSchema, isoDateTime, localeSchema, tierSchema } from '../identity/common.js';
import { BILLING, entitlementsSchema, subscriptionStatusSchema } from './plans.js';

const publicEvent = <D extends z.ZodType>(type: string, data: D, description: string) =>
  defineEvent({ service: BILLING, type, schemaVersion: 1, data, public: true, description });

// Who a billing e-mail goes to (copied from identity when the Stripe customer was created).
const recipient = {
  userId: z.uuid(),
  email: emailSchema,
  displayName: displayNameSchema,
  locale: localeSchema,
};

export const entitlementsChangedEvent = publicEvent(
  'EntitlementsChanged',
  z.object({
    userId: z.uuid(),
    tier: tierSchema,
    entitlements: entitlementsSchema,
    subscriptionStatus: subscriptionStatusSchema,
    planId: z.string().nullable(),
    changedAt: isoDateTime,
  }),
  'What the user may use changed (subscription started, lapsed, changed plan); identity sets the tier.',
);

export const paymentFailedEvent = publicEvent(
  'PaymentFailed',
  z.object({
    ...recipient,
    invoiceId: z.string(),
    amountDue: z.number().int(),
    currency: z.string(),
    attemptCount: z.number().int(),
    portalUrl: z.string().nullable(),
    graceUntil: isoDateTime.nullable(),
    failedAt: isoDateTime,
  }),
  'A subscription payment failed (dunning e-mail with the amount and the portal link).',
);

export const paymentRecoveredEvent = publicEvent(
  'PaymentRecovered',
  z.object({
    ...recipient,
    invoiceId: z.string(),
    amountPaid: z.number().int(),
    currency: z.string(),
    paidAt: isoDateTime,
  }),
  'An invoice that had failed was paid ("payment received" e-mail).',
);

export const trialEndingEvent = publicEvent(
  'TrialEnding',
  z.object({ ...recipient, planId: z.string(), planName: z.string(), trialEnd: isoDateTime }),
  'The trial ends in three days (reminder e-mail).',
);

export const subscriptionCancelScheduledEvent = publicEvent(
  'SubscriptionCancelScheduled',
  z.object({
    ...recipient,
    planId: z.string().nullable(),
    endsAt: isoDateTime.nullable(),
    reason: z.string(),
  }),
  'The subscription will end at the period end (the user is told by e-mail).',
);

export const gracePeriodStartedEvent = publicEvent(
  'GracePeriodStarted',
  z.object({ userId: z.uuid(), subscriptionId: z.string(), graceUntil: isoDateTime }),
  'A payment failed: the tier is kept until graceUntil, then dropped unless the payment recovers.',
);

export const billingEvents = [
  gracePeriodStartedEvent,
  entitlementsChangedEvent,
  paymentFailedEvent,
  paymentRecoveredEvent,
  trialEndingEvent,
  subscriptionCancelScheduledEvent,
] as const;
