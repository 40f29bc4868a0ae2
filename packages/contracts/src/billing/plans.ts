import { z } from 'zod';
import { tierSchema } from '../identity/common.js';

export const BILLING = 'billing';

export const billingIntervalSchema = z.enum(['month', 'year']);
export type BillingInterval = z.infer<typeof billingIntervalSchema>;

/** What a plan grants besides its tier: limits and feature flags, e.g. `{ "storageBytes": 10737418240 }`. */
export const entitlementsSchema = z.record(
  z.string().min(1).max(64),
  z.union([z.number(), z.boolean(), z.string()]),
);
export type Entitlements = z.infer<typeof entitlementsSchema>;

export const planPriceSchema = z.object({
  interval: billingIntervalSchema,
  stripePriceId: z.string().min(1).max(255),
  /** Minor units (cents). */
  amount: z.number().int().min(0),
  currency: z.string().regex(/^[a-z]{3}$/, 'ISO 4217, lower case'),
});

/** A plan, exactly as BILLING_PLANS holds it and `GET /billing/plans` returns it. */
export const planSchema = z.object({
  planId: z.string().regex(/^[a-z][a-z0-9-]{0,63}$/),
  name: z.string().min(1).max(100),
  tier: tierSchema,
  prices: z.array(planPriceSchema),
  trialDays: z.number().int().min(0).max(730),
  entitlements: entitlementsSchema,
});
export type Plan = z.infer<typeof planSchema>;

export const plansSchema = z
  .array(planSchema)
  .min(1)
  .refine((plans) => new Set(plans.map((p) => p.planId)).size === plans.length, 'planIds must be unique');

/** Stripe's subscription statuses, and `none` for a user who never subscribed. */
export const subscriptionStatusSchema = z.enum([
  'none',
  'incomplete',
  'incomplete_expired',
  'trialing',
  'active',
  'past_due',
  'canceled',
  'unpaid',
  'paused',
]);
export type SubscriptionStatus = z.infer<typeof subscriptionStatusSchema>;
