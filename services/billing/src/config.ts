import { fileURLToPath } from 'node:url';
import { envInt } from '@ledgerline/platform/config';
import { z } from 'zod';

/** The plans file that ships with the service (free / pro / enterprise). */
export const DEFAULT_PLANS_FILE = fileURLToPath(new URL('../config/plans.json', import.meta.url));

/** The development default of STRIPE_SECRET_KEY (refused in production). */
export const DEV_STRIPE_KEY = 'sk_test_ledgerline_dev';

const commaList = () =>
  z.string().transform((value) =>
    value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item.length > 0),
  );

/** Billing's own variables (the ops CLI's `billing reconcile` reads the same ones). */
export const billingConfig = z.object({
  /** Stripe secret key (sk_live_… / sk_test_… / rk_…). */
  STRIPE_SECRET_KEY: z.string().min(1).default(DEV_STRIPE_KEY),
  /** Base URL of the Stripe API, e.g. http://127.0.0.1:12111 (a local fake); unset = Stripe itself. */
  STRIPE_API_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** Endpoint secrets of the webhook ingress; billing itself does not verify (the ingress did). */
  STRIPE_WEBHOOK_SECRETS: commaList().default([]),
  /** Path of a JSON array of plans, in the shape GET /billing/plans returns (amounts in minor units). */
  BILLING_PLANS: z.string().min(1).default(DEFAULT_PLANS_FILE),
  /** The app's public URL; the BILLING_*_URL defaults are pages under it. */
  PUBLIC_URL: z.url().default('http://localhost:3000'),
  /** Where Checkout sends the user after paying; may carry Stripe's {CHECKOUT_SESSION_ID}. */
  BILLING_SUCCESS_URL: z.url().optional(),
  /** Default: PUBLIC_URL/billing. */
  BILLING_CANCEL_URL: z.url().optional(),
  /** Default: PUBLIC_URL/billing. */
  BILLING_PORTAL_RETURN_URL: z.url().optional(),
  /** How long past_due keeps the paid tier (seconds, default 7 days; 0 drops it at once). */
  PAST_DUE_GRACE_SECONDS: envInt().min(0).default(604_800),
  /** When the reconciliation runs (five-field cron, UTC; default daily at 03:17). */
  RECONCILE_CRON: z
    .string()
    .regex(/^(\S+\s+){4}\S+$/, 'five cron fields')
    .default('17 3 * * *'),
  /** Durable JetStream consumer of `ext.stripe.>` (tests use their own). */
  BILLING_STRIPE_CONSUMER: z
    .string()
    .regex(/^[a-z0-9_-]+$/)
    .default('billing-stripe'),
  /** Durable consumer of the entitlements saga (tests use their own). */
  BILLING_SAGA_CONSUMER: z
    .string()
    .regex(/^[a-z0-9_-]+$/)
    .default('billing-entitlements'),
  /** Durable consumer of identity's events (account deactivation). */
  BILLING_IDENTITY_CONSUMER: z
    .string()
    .regex(/^[a-z0-9_-]+$/)
    .default('billing-identity'),
  /** Timeout of each Stripe API call. */
  STRIPE_TIMEOUT_MS: envInt().min(100).default(20_000),
});

/** The Checkout and Portal URLs: configured, else pages under PUBLIC_URL. */
export const billingUrls = (config: {
  PUBLIC_URL: string;
  BILLING_SUCCESS_URL?: string | undefined;
  BILLING_CANCEL_URL?: string | undefined;
  BILLING_PORTAL_RETURN_URL?: string | undefined;
}) => {
  const base = config.PUBLIC_URL.replace(/\/$/, '');
  return {
    BILLING_SUCCESS_URL:
      config.BILLING_SUCCESS_URL ?? `${base}/billing/checkout/complete?session_id={CHECKOUT_SESSION_ID}`,
    BILLING_CANCEL_URL: config.BILLING_CANCEL_URL ?? `${base}/billing`,
    BILLING_PORTAL_RETURN_URL: config.BILLING_PORTAL_RETURN_URL ?? `${base}/billing`,
  };
};
