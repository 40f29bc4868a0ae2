import { z } from 'zod';
import { defineCommand, defineQuery } from '../contract.js';
import { isoDateTime, tierSchema } from '../identity/common.js';
import { userTextSchema } from '../text.js';
import {
  BILLING,
  billingIntervalSchema,
  entitlementsSchema,
  planSchema,
  subscriptionStatusSchema,
} from './plans.js';

// The caller is `meta.actor` (the gateway sets it from the access token); requests name no user.
const empty = z.object({});
const planChoice = z.object({ planId: z.string().min(1).max(64), interval: billingIntervalSchema });

export const subscriptionViewSchema = z.object({
  status: subscriptionStatusSchema,
  planId: z.string().nullable(),
  tier: tierSchema,
  interval: billingIntervalSchema.nullable(),
  currentPeriodEnd: isoDateTime.nullable(),
  cancelAtPeriodEnd: z.boolean(),
  trialEnd: isoDateTime.nullable(),
  entitlements: entitlementsSchema,
});
export type SubscriptionView = z.infer<typeof subscriptionViewSchema>;

export const listPlansQuery = defineQuery({
  service: BILLING,
  name: 'ListPlans',
  request: empty,
  reply: z.object({ items: z.array(planSchema) }),
  description: 'The plans on offer, from configuration.',
});

export const startCheckoutCommand = defineCommand({
  service: BILLING,
  name: 'StartCheckout',
  request: planChoice,
  reply: z.object({ url: z.url(), sessionId: z.string() }),
  description:
    'A Stripe Checkout Session (subscription mode) for the caller; 409 with an active subscription.',
});

export const completeCheckoutCommand = defineCommand({
  service: BILLING,
  name: 'CompleteCheckout',
  request: z.object({ sessionId: z.string().min(1).max(255) }),
  reply: subscriptionViewSchema,
  description: 'The success URL’s landing call: the same idempotent sync as the webhook.',
});

export const createPortalSessionCommand = defineCommand({
  service: BILLING,
  name: 'CreatePortalSession',
  request: empty,
  reply: z.object({ url: z.url() }),
  description: 'A Stripe Customer Portal session for the caller.',
});

export const getSubscriptionQuery = defineQuery({
  service: BILLING,
  name: 'GetSubscription',
  request: empty,
  reply: subscriptionViewSchema,
  description: 'The caller’s subscription (`status: "none"` and the free tier without one).',
});

export const cancelSubscriptionCommand = defineCommand({
  service: BILLING,
  name: 'CancelSubscription',
  request: empty,
  reply: subscriptionViewSchema,
  description: 'Cancel the caller’s subscription at the end of the period.',
});

export const resumeSubscriptionCommand = defineCommand({
  service: BILLING,
  name: 'ResumeSubscription',
  request: empty,
  reply: subscriptionViewSchema,
  description: 'Undo a cancellation at period end.',
});

export const changePlanCommand = defineCommand({
  service: BILLING,
  name: 'ChangePlan',
  request: planChoice,
  reply: subscriptionViewSchema,
  description: 'Switch the caller’s subscription to another plan or interval (prorated by Stripe).',
});

export const invoiceViewSchema = z.object({
  id: z.string(),
  number: z.string().nullable(),
  status: z.string().nullable(),
  amountDue: z.number().int(),
  amountPaid: z.number().int(),
  currency: z.string(),
  hostedInvoiceUrl: z.string().nullable(),
  periodStart: isoDateTime,
  periodEnd: isoDateTime,
  createdAt: isoDateTime,
});

export const listInvoicesQuery = defineQuery({
  service: BILLING,
  name: 'ListInvoices',
  request: z.object({
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: userTextSchema().max(255).optional(),
  }),
  reply: z.object({ items: z.array(invoiceViewSchema), nextCursor: z.string().nullable() }),
  description: 'The caller’s invoices, newest first.',
});

export const adminSubscriptionSchema = subscriptionViewSchema.extend({
  userId: z.uuid(),
  customerId: z.string(),
  subscriptionId: z.string().nullable(),
  updatedAt: isoDateTime,
});

export const adminListSubscriptionsQuery = defineQuery({
  service: BILLING,
  name: 'AdminListSubscriptions',
  request: z.object({
    status: subscriptionStatusSchema.optional(),
    planId: userTextSchema().min(1).max(64).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(50),
    /** The last row's id (`nextCursor`): rows are paged by id. */
    cursor: z.uuid().optional(),
  }),
  reply: z.object({ items: z.array(adminSubscriptionSchema), nextCursor: z.string().nullable() }),
  description: 'Every known subscription, filtered by status or plan (admin).',
});

/** Sent by billing's own saga when a grace period's scheduled message falls due. */
export const expireGraceCommand = defineCommand({
  service: BILLING,
  name: 'ExpireGrace',
  request: z.object({ userId: z.uuid(), graceUntil: isoDateTime }),
  reply: z.object({ expired: z.boolean() }),
  description: 'Drop a past-due user to the free tier once their grace period is over (internal).',
});

export const billingQueries = [
  listPlansQuery,
  getSubscriptionQuery,
  listInvoicesQuery,
  adminListSubscriptionsQuery,
] as const;
export const billingCommands = [
  startCheckoutCommand,
  completeCheckoutCommand,
  createPortalSessionCommand,
  cancelSubscriptionCommand,
  resumeSubscriptionCommand,
  changePlanCommand,
] as const;
