// Shapes of the objects the fake Stripe API returns, modelled on the current API (stripe@23, API
// version 2026-10-28): billing periods live on subscription items, an invoice names its
// subscription under `parent.subscription_details`.
import { randomBytes } from 'node:crypto';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type StripeObject = { id: string; object: string; created: number } & { [key: string]: Json };

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A Stripe-looking id: `sub_1Q…` (prefix + 24 base62 characters). */
export const stripeId = (prefix: string): string => {
  const bytes = randomBytes(24);
  let out = '1';
  for (let i = 0; i < 23; i++) out += ALPHABET[(bytes[i] ?? 0) % ALPHABET.length];
  return `${prefix}_${out}`;
};

export type SubscriptionStatus =
  | 'incomplete'
  | 'incomplete_expired'
  | 'trialing'
  | 'active'
  | 'past_due'
  | 'canceled'
  | 'unpaid'
  | 'paused';

export type Interval = 'month' | 'year';

/** A plan as the billing config describes it (the subset the fake seeds products and prices from). */
export interface SeedPlan {
  planId: string;
  name: string;
  trialDays?: number;
  prices: ReadonlyArray<{ interval: Interval; stripePriceId: string; amount: number; currency: string }>;
}

/** Adds one calendar interval to a unix time (month arithmetic as Stripe bills: same day next month). */
export const addInterval = (seconds: number, interval: Interval): number => {
  const date = new Date(seconds * 1000);
  if (interval === 'year') date.setUTCFullYear(date.getUTCFullYear() + 1);
  else date.setUTCMonth(date.getUTCMonth() + 1);
  return Math.floor(date.getTime() / 1000);
};

export const list = (data: Json[], url: string, hasMore = false): Json => ({
  object: 'list',
  data,
  has_more: hasMore,
  url,
});

/** Deep copy, so an event's snapshot never changes after it was taken. */
export const snapshot = <T extends Json>(value: T): T => structuredClone(value);
